package scanner

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Unquote returns the value of a STRING token's literal: '…' and "…" with
// backslash escapes, @'…' verbatim with doubled quotes, ```…``` and ~~~…~~~
// as written; an h or H prefix (obfuscated string) changes nothing in the
// value.
func Unquote(lit string) (string, error) {
	if len(lit) > 0 && (lit[0] == 'h' || lit[0] == 'H') {
		lit = lit[1:]
	}
	if len(lit) >= 6 && (strings.HasPrefix(lit, "```") && strings.HasSuffix(lit, "```") ||
		strings.HasPrefix(lit, "~~~") && strings.HasSuffix(lit, "~~~")) {
		return lit[3 : len(lit)-3], nil
	}
	if len(lit) >= 7 && strings.HasPrefix(lit, "@```") && strings.HasSuffix(lit, "```") {
		return lit[4 : len(lit)-3], nil
	}
	if len(lit) >= 3 && lit[0] == '@' {
		q := lit[1]
		if (q != '\'' && q != '"') || lit[len(lit)-1] != q {
			return "", fmt.Errorf("malformed verbatim string")
		}
		return strings.ReplaceAll(lit[2:len(lit)-1], string([]byte{q, q}), string(q)), nil
	}
	if len(lit) < 2 || (lit[0] != '\'' && lit[0] != '"') || lit[len(lit)-1] != lit[0] {
		return "", fmt.Errorf("malformed string")
	}
	body := lit[1 : len(lit)-1]
	if strings.IndexByte(body, '\\') < 0 {
		return body, nil
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			return "", fmt.Errorf("string ends with a lone backslash")
		}
		switch e := body[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			// octal: up to three digits (\0 is NUL)
			v, n := 0, 0
			for n < 3 && i+n < len(body) && body[i+n] >= '0' && body[i+n] <= '7' {
				v = v*8 + int(body[i+n]-'0')
				n++
			}
			if v > 255 {
				return "", fmt.Errorf("invalid octal escape")
			}
			b.WriteByte(byte(v))
			i += n - 1
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '\\', '\'', '"', '?', '/':
			b.WriteByte(e)
		case 'u', 'U', 'x':
			n := map[byte]int{'u': 4, 'U': 8, 'x': 2}[e]
			if i+n >= len(body) {
				return "", fmt.Errorf("short \\%c escape", e)
			}
			v, err := strconv.ParseUint(body[i+1:i+1+n], 16, 32)
			if err != nil || !utf8.ValidRune(rune(v)) {
				return "", fmt.Errorf("invalid \\%c escape %q", e, body[i+1:min(i+1+n, len(body))])
			}
			b.WriteRune(rune(v))
			i += n
		default:
			return "", fmt.Errorf("invalid escape \\%c", e)
		}
	}
	return b.String(), nil
}
