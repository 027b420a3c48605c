package source

import "strings"

// SplitCSV splits one CSV line (RFC 4180 quoting: "a,b" and "" for a
// quote) into fields, appending to dst. ok is false when a quoted field is
// not closed on this line.
func SplitCSV(dst []string, line string) (fields []string, ok bool) {
	fields = dst[:0]
	for {
		if len(line) > 0 && line[0] == '"' {
			var b strings.Builder
			i := 1
			for {
				j := strings.IndexByte(line[i:], '"')
				if j < 0 {
					return fields, false
				}
				b.WriteString(line[i : i+j])
				i += j + 1
				if i < len(line) && line[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			fields = append(fields, b.String())
			line = line[i:]
			if line == "" {
				return fields, true
			}
			if line[0] != ',' {
				// Text after a closing quote: keep it, as lenient readers do.
				k := strings.IndexByte(line, ',')
				if k < 0 {
					fields[len(fields)-1] += line
					return fields, true
				}
				fields[len(fields)-1] += line[:k]
				line = line[k:]
			}
			line = line[1:]
			continue
		}
		k := strings.IndexByte(line, ',')
		if k < 0 {
			return append(fields, line), true
		}
		fields = append(fields, line[:k])
		line = line[k+1:]
	}
}

// CSVRecords joins physical lines into CSV records: a quoted field may
// span lines. It calls fn with each record and the number of its first
// line; a record whose quote never closes ends at end of input and is
// passed with ok=false.
type CSVRecords struct {
	In *Lines
	// MaxLines bounds how many lines one record may span (default 1000).
	MaxLines int

	rec   strings.Builder
	first int64
	trunc bool
}

// Truncated reports whether the last record ended with a last line
// without a newline.
func (c *CSVRecords) Truncated() bool { return c.trunc }

// Next returns the next record's fields.
func (c *CSVRecords) Next(dst []string) (fields []string, line int64, ok, more bool) {
	max := c.MaxLines
	if max == 0 {
		max = 1000
	}
	c.rec.Reset()
	c.trunc = false
	n := 0
	for c.In.Next() {
		if n == 0 {
			c.first = c.In.No()
		} else {
			c.rec.WriteByte('\n')
		}
		n++
		if c.In.TooLong() {
			return nil, c.first, false, true
		}
		c.trunc = c.In.Truncated()
		c.rec.Write(c.In.Bytes())
		f, done := SplitCSV(dst, c.rec.String())
		if done {
			return f, c.first, true, true
		}
		if n >= max {
			return f, c.first, false, true
		}
	}
	if n > 0 {
		f, _ := SplitCSV(dst, c.rec.String())
		return f, c.first, false, true
	}
	return nil, 0, false, false
}
