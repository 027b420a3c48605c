package format

import (
	"reflect"
	"sort"
	"strings"

	"github.com/quarry-kql/quarry/kql/ast"
	"github.com/quarry-kql/quarry/kql/scanner"
	"github.com/quarry-kql/quarry/kql/token"
)

// Comment is a `//` comment of a query text. The syntax tree does not hold
// comments; ScriptWithComments puts them back.
type Comment struct {
	Pos     token.Pos // position of the first '/'
	Text    string    // from "//" to the end of its line, trailing white space removed
	OwnLine bool      // only white space precedes it on its line
}

// directives returns the lines starting with # before offset end.
func directives(src string, end int) []Comment {
	var out []Comment
	for off := 0; off < end; {
		nl := strings.IndexByte(src[off:end], '\n')
		line := src[off:end]
		if nl >= 0 {
			line = src[off : off+nl]
		}
		trimmed := strings.TrimLeft(line, " \t\r\f\v\uFEFF")
		if strings.HasPrefix(trimmed, "#") {
			out = append(out, Comment{
				Pos:     token.PosOf(off + len(line) - len(trimmed)),
				Text:    strings.TrimRight(trimmed, " \t\r\f\v"),
				OwnLine: true,
			})
		}
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	return out
}

// endOfText is a position after any text.
const endOfText = token.Pos(int(^uint(0) >> 1))

// Comments returns the comments of src in source order, found by the
// scanner (so // inside a string literal is not a comment), and the client
// directive lines (#connect ...) that may precede the query, which the
// scanner skips like Kusto does.
func Comments(src string) []Comment {
	var s scanner.Scanner
	s.Init(token.NewFile("", src), scanner.ScanComments)
	var out []Comment
	first := true
	for {
		pos, kind, lit := s.Scan()
		if first && kind != token.COMMENT {
			first = false
			out = append(out, directives(src, pos.Offset())...)
			sort.SliceStable(out, func(i, j int) bool { return out[i].Pos < out[j].Pos })
		}
		if kind == token.EOF {
			return out
		}
		if kind != token.COMMENT {
			continue
		}
		off := pos.Offset()
		line := strings.LastIndexByte(src[:off], '\n') + 1
		out = append(out, Comment{
			Pos:     pos,
			Text:    strings.TrimRight(lit, " \t\r\f\v"),
			OwnLine: strings.TrimLeft(src[line:off], " \t\r\f\v\uFEFF") == "",
		})
	}
}

// ScriptWithComments is Script keeping the comments of the text s was
// parsed from (see Comments): each comment is printed before the first
// node that follows it in the source, on a line of its own when it had
// one, else at the end of the current line. The formatted text parses to
// the same tree as s.
func ScriptWithComments(s *ast.Script, comments []Comment) string {
	p := &printer{comments: comments}
	p.script(s)
	p.flush(endOfText)
	if p.needNewline {
		p.b.WriteByte('\n')
	}
	return p.b.String()
}

// flush prints the comments that come before pos in the source.
func (p *printer) flush(pos token.Pos) {
	for p.next < len(p.comments) && p.comments[p.next].Pos < pos {
		c := p.comments[p.next]
		p.next++
		switch {
		case c.OwnLine && p.midLine || p.needNewline:
			p.newline()
		case p.midLine:
			p.b.WriteString(" ")
		}
		p.b.WriteString(c.Text)
		p.midLine = true
		p.needNewline = true // a // comment runs to the end of the line
	}
}

// flushTrailing prints the comments before pos that end the current line
// in the source (`let x = 1; // why`), so that they stay there.
func (p *printer) flushTrailing(pos token.Pos) {
	for p.next < len(p.comments) && p.comments[p.next].Pos < pos && !p.comments[p.next].OwnLine {
		c := p.comments[p.next]
		p.next++
		if p.needNewline {
			p.newline()
		} else if p.midLine {
			p.b.WriteString(" ")
		}
		p.b.WriteString(c.Text)
		p.midLine = true
		p.needNewline = true
	}
}

// flushPos prints the comments that come before pos in the source, when
// pos is known.
func (p *printer) flushPos(pos token.Pos) {
	if p.next < len(p.comments) && pos.IsValid() {
		p.flush(pos)
	}
}

// flushBefore prints the comments that come before node n in the source.
func (p *printer) flushBefore(n ast.Node) {
	if p.next >= len(p.comments) || n == nil {
		return
	}
	if v := reflect.ValueOf(n); v.Kind() == reflect.Pointer && v.IsNil() {
		return
	}
	p.flush(n.Pos())
}
