package source

import (
	"bufio"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// IsUTF16 reports whether data starts with a UTF-16 byte order mark, and
// whether it is big-endian.
func IsUTF16(data []byte) (ok, bigEndian bool) {
	if len(data) >= 2 {
		switch {
		case data[0] == 0xFF && data[1] == 0xFE:
			return true, false
		case data[0] == 0xFE && data[1] == 0xFF:
			return true, true
		}
	}
	return false, false
}

// UTF16Reader decodes UTF-16 (after its byte order mark) to UTF-8, as
// Exchange Online's exports are written. Unpaired surrogates and a final
// odd byte become U+FFFD.
type UTF16Reader struct {
	r   *bufio.Reader
	be  bool
	out []byte
	hi  rune
	err error
}

// NewUTF16Reader returns a reader of r, which starts with a UTF-16 byte
// order mark.
func NewUTF16Reader(r io.Reader) *UTF16Reader {
	br := bufio.NewReaderSize(r, 1<<16)
	var bom [2]byte
	n, _ := io.ReadFull(br, bom[:])
	u := &UTF16Reader{r: br}
	if n == 2 {
		_, u.be = IsUTF16(bom[:])
	}
	return u
}

// Read implements io.Reader.
func (u *UTF16Reader) Read(p []byte) (int, error) {
	for len(u.out) < len(p) && u.err == nil {
		var b [2]byte
		n, err := io.ReadFull(u.r, b[:])
		if n < 2 {
			if n == 1 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
			}
			if u.hi != 0 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				u.hi = 0
			}
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			u.err = err
			break
		}
		c := rune(b[0]) | rune(b[1])<<8
		if u.be {
			c = rune(b[1]) | rune(b[0])<<8
		}
		switch {
		case u.hi != 0:
			if r := utf16.DecodeRune(u.hi, c); r != utf8.RuneError {
				u.out = utf8.AppendRune(u.out, r)
				u.hi = 0
				continue
			}
			u.out = utf8.AppendRune(u.out, utf8.RuneError)
			u.hi = 0
			if c >= 0xD800 && c < 0xDC00 {
				u.hi = c
				continue
			}
			if utf16.IsSurrogate(c) {
				c = utf8.RuneError
			}
			u.out = utf8.AppendRune(u.out, c)
		case c >= 0xD800 && c < 0xDC00:
			u.hi = c
		case utf16.IsSurrogate(c):
			u.out = utf8.AppendRune(u.out, utf8.RuneError)
		default:
			u.out = utf8.AppendRune(u.out, c)
		}
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	if n == 0 && u.err != nil {
		return 0, u.err
	}
	return n, nil
}
