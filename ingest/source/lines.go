package source

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// DefaultMaxLine is the longest line kept in memory (64 MiB). Longer lines
// are read through and reported as too long, so memory stays bounded.
const DefaultMaxLine = 64 << 20

// Lines reads an input line by line. It removes a UTF-8 byte order mark at
// the start, accepts LF and CRLF endings, and reports a last line without a
// newline as Truncated. Line numbers are 1-based; Offset is the byte offset
// just past the current line, counted from the start of the file.
type Lines struct {
	r       *bufio.Reader
	max     int
	buf     []byte
	line    []byte
	no      int64
	off     int64
	start   int64
	tooLong bool
	trunc   bool
	err     error
	first   bool
	// Wait, when set, is called at end of input; it returns true when more
	// data may now be available (follow mode) and false to stop. It may
	// call Switch to continue with another file (log rotation).
	Wait func() bool
	// OnSwitch, when set, is called when a Switch takes effect: after the
	// last line of the old file, before the first line of the new one
	// (Offset and No still describe the old file).
	OnSwitch func()

	next io.Reader
}

// Switch makes the reader continue with r, a new file read from its start
// (used by follow mode after log rotation). A last line of the old file
// without a newline is returned first, as truncated.
func (l *Lines) Switch(r io.Reader) { l.next = r }

func (l *Lines) applySwitch() {
	if l.OnSwitch != nil {
		l.OnSwitch()
	}
	l.r.Reset(l.next)
	l.next = nil
	l.off, l.start, l.no, l.first = 0, 0, 0, true
	l.buf = l.buf[:0]
}

// NewLines reads r, whose first byte is at file offset start and is line
// number firstLine (1 when reading from the beginning).
func NewLines(r io.Reader, start int64, firstLine int64) *Lines {
	return &Lines{r: bufio.NewReaderSize(r, 1<<20), max: DefaultMaxLine, off: start, no: firstLine - 1, first: start == 0}
}

// SetMaxLine changes the longest line kept (for tests).
func (l *Lines) SetMaxLine(n int) { l.max = n }

// Next advances to the next line; it returns false at the end of input or
// on a read error (see Err).
func (l *Lines) Next() bool {
	if l.next != nil {
		l.applySwitch()
	}
	l.buf = l.buf[:0]
	l.tooLong, l.trunc = false, false
	l.start = l.off
	for {
		chunk, err := l.r.ReadSlice('\n')
		l.off += int64(len(chunk))
		if len(l.buf)+len(chunk) > l.max {
			l.tooLong = true
		} else if err == nil && len(l.buf) == 0 {
			// Fast path: the whole line is in the reader's buffer.
			l.line = chunk
			return l.finish(true)
		} else {
			l.buf = append(l.buf, chunk...)
		}
		switch {
		case err == nil:
			l.line = l.buf
			return l.finish(true)
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if l.off == l.start {
				if l.Wait != nil && l.Wait() {
					if l.next != nil {
						l.applySwitch()
						l.start = l.off
					}
					continue
				}
				return false
			}
			if l.Wait != nil {
				// Follow mode: a partial last line is still being written,
				// unless the file was rotated away.
				more := l.Wait()
				if more && l.next == nil {
					continue
				}
				if !more {
					return false // stopping: the partial line is left for the next run
				}
			}
			l.line = l.buf
			return l.finish(false)
		default:
			l.err = err
			return false
		}
	}
}

func (l *Lines) finish(nl bool) bool {
	l.no++
	l.trunc = !nl
	line := l.line
	if l.tooLong {
		l.line = nil
		l.first = false
		return true
	}
	if nl {
		line = line[:len(line)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	if l.first {
		l.first = false
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	l.line = line
	return true
}

// Bytes returns the current line without its line ending. It is valid
// until the next call to Next.
func (l *Lines) Bytes() []byte { return l.line }

// No returns the current line number.
func (l *Lines) No() int64 { return l.no }

// Offset returns the file offset just past the current line.
func (l *Lines) Offset() int64 { return l.off }

// Start returns the file offset of the current line.
func (l *Lines) Start() int64 { return l.start }

// TooLong reports whether the current line exceeded the maximum length; its
// content was discarded.
func (l *Lines) TooLong() bool { return l.tooLong }

// Truncated reports whether the current line is a last line without a
// newline.
func (l *Lines) Truncated() bool { return l.trunc }

// Err returns the read error that stopped Next, if any.
func (l *Lines) Err() error { return l.err }
