package gofunc

// Punycode (RFC 3492) and IP-range functions of the KQL reference written
// in Go (see funcs.go).

import (
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 128
)

var errPunycode = errors.New("invalid punycode")

func pcAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}

func pcDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func pcValue(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c-'0') + 26, true
	case c >= 'a' && c <= 'z':
		return int(c - 'a'), true
	case c >= 'A' && c <= 'Z':
		return int(c - 'A'), true
	}
	return 0, false
}

// punyEncode encodes s: its basic (ASCII) code points as they are, a '-'
// when there are any, then the others as deltas.
func punyEncode(s string) (string, error) {
	runes := []rune(s)
	var out []byte
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := pcInitialN, 0, pcInitialBias
	for h < len(runes) {
		m := math.MaxInt32
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		if (m - n) > (math.MaxInt32-delta)/(h+1) {
			return "", errPunycode
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) == n {
				q := delta
				for k := pcBase; ; k += pcBase {
					t := k - bias
					if t < pcTMin {
						t = pcTMin
					} else if t > pcTMax {
						t = pcTMax
					}
					if q < t {
						break
					}
					out = append(out, pcDigit(t+(q-t)%(pcBase-t)))
					q = (q - t) / (pcBase - t)
				}
				out = append(out, pcDigit(q))
				bias = pcAdapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out), nil
}

// punyDecode decodes an encoded label.
func punyDecode(s string) (string, error) {
	var out []rune
	pos := 0
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		for j := 0; j < i; j++ {
			if s[j] >= 0x80 {
				return "", errPunycode
			}
			out = append(out, rune(s[j]))
		}
		pos = i + 1
	}
	n, i, bias := pcInitialN, 0, pcInitialBias
	for pos < len(s) {
		oldi, w := i, 1
		for k := pcBase; ; k += pcBase {
			if pos >= len(s) {
				return "", errPunycode
			}
			d, ok := pcValue(s[pos])
			pos++
			if !ok {
				return "", errPunycode
			}
			if d > (math.MaxInt32-i)/w {
				return "", errPunycode
			}
			i += d * w
			t := k - bias
			if t < pcTMin {
				t = pcTMin
			} else if t > pcTMax {
				t = pcTMax
			}
			if d < t {
				break
			}
			w *= pcBase - t
		}
		bias = pcAdapt(i-oldi, len(out)+1, oldi == 0)
		n += i / (len(out) + 1)
		i %= len(out) + 1
		if n > utf8.MaxRune {
			return "", errPunycode
		}
		out = append(out, 0)
		copy(out[i+1:], out[i:])
		out[i] = rune(n)
		i++
	}
	return string(out), nil
}

// punyEncodeFunc is punycode_from_string; invalid input gives "".
func punyEncodeFunc(args []arg) (any, error) {
	s, ok := args[0].text1()
	if !ok {
		return "", nil
	}
	r, err := punyEncode(s)
	if err != nil {
		return "", nil
	}
	return r, nil
}

// punyDecodeFunc is punycode_to_string; invalid input gives "".
func punyDecodeFunc(args []arg) (any, error) {
	s, ok := args[0].text1()
	if !ok {
		return "", nil
	}
	r, err := punyDecode(s)
	if err != nil {
		return "", nil
	}
	return r, nil
}

// domainLabels splits a domain name at the dots IDNA recognises: '.',
// U+3002 (ideographic full stop), U+FF0E and U+FF61.
func domainLabels(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '.' || r == '\u3002' || r == '\uff0e' || r == '\uff61'
	})
}

// punyDomainEncode is punycode_domain_to_string: each label with a
// non-ASCII character becomes "xn--" and its encoding; labels are joined
// with '.'.
func punyDomainEncode(args []arg) (any, error) {
	s, ok := args[0].text1()
	if !ok || s == "" {
		return "", nil
	}
	labels := domainLabels(s)
	for i, l := range labels {
		ascii := true
		for j := 0; j < len(l); j++ {
			if l[j] >= 0x80 {
				ascii = false
				break
			}
		}
		if ascii {
			continue
		}
		e, err := punyEncode(l)
		if err != nil {
			return "", nil
		}
		labels[i] = "xn--" + e
	}
	return strings.Join(labels, "."), nil
}

// punyDomainDecode is punycode_domain_from_string: each label starting
// with "xn--" is decoded; invalid input gives "".
func punyDomainDecode(args []arg) (any, error) {
	s, ok := args[0].text1()
	if !ok || s == "" {
		return "", nil
	}
	labels := strings.Split(s, ".")
	for i, l := range labels {
		if len(l) > 4 && strings.EqualFold(l[:4], "xn--") {
			d, err := punyDecode(l[4:])
			if err != nil {
				return "", nil
			}
			labels[i] = d
		}
	}
	return strings.Join(labels, "."), nil
}

// ipv4RangeToCIDR is ipv4_range_to_cidr_list: the smallest list of CIDR
// blocks covering start..end (inclusive); null when either is not an
// IPv4 address or start is after end.
func ipv4RangeToCIDR(args []arg) (any, error) {
	a, ok1 := args[0].text1()
	b, ok2 := args[1].text1()
	if !ok1 || !ok2 {
		return nil, nil
	}
	s, err1 := netip.ParseAddr(strings.TrimSpace(a))
	e, err2 := netip.ParseAddr(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || !s.Is4() || !e.Is4() {
		return nil, nil
	}
	u := func(x netip.Addr) uint64 {
		v := x.As4()
		return uint64(v[0])<<24 | uint64(v[1])<<16 | uint64(v[2])<<8 | uint64(v[3])
	}
	lo, hi := u(s), u(e)
	if lo > hi {
		return nil, nil
	}
	out := []string{}
	for lo <= hi {
		size := 32
		for size > 0 {
			block := uint64(1) << (32 - size + 1)
			if lo%block != 0 || lo+block-1 > hi {
				break
			}
			size--
		}
		ip := netip.AddrFrom4([4]byte{byte(lo >> 24), byte(lo >> 16), byte(lo >> 8), byte(lo)})
		out = append(out, ip.String()+"/"+strconv.Itoa(size))
		lo += uint64(1) << (32 - size)
	}
	j, err := json.Marshal(out)
	return string(j), err
}

// urlEncode is url_encode (and, with space as %20, url_encode_component):
// .NET's HttpUtility.UrlEncode, which the reference's examples show —
// letters, digits and -_.!*() stay, a space becomes '+', every other
// UTF-8 byte becomes %xx in lower-case hex.
func urlEncode(args []arg, component bool) (any, error) {
	s, ok := args[0].text1()
	if !ok {
		return "", nil
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-_.!*()", c) >= 0:
			b.WriteByte(c)
		case c == ' ' && !component:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String(), nil
}

// parsePath is parse_path: the parts of a file path, as the reference's
// example shows them — a scheme before "://", a drive ("C:", after
// "\\?\" for long paths) as the root, the directory path and its last
// name, the file name and its extension, and an alternate data stream
// after a ':' in the file name. Both slashes separate; a shared path
// (\\server\share\...) has no root.
func parsePath(args []arg) (any, error) {
	p, ok := args[0].text1()
	if !ok {
		p = ""
	}
	scheme := ""
	if i := strings.Index(p, "://"); i > 0 {
		valid := true
		for j, r := range p[:i] {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
				valid = false
				break
			}
		}
		if valid {
			scheme, p = p[:i], p[i+3:]
		}
	}
	root := ""
	body := p
	long := ""
	if strings.HasPrefix(body, `\\?\`) {
		long, body = `\\?\`, body[4:]
	}
	if len(body) >= 2 && body[1] == ':' && (body[0] >= 'a' && body[0] <= 'z' || body[0] >= 'A' && body[0] <= 'Z') {
		root = long + body[:2]
	}
	sep := strings.LastIndexAny(p, `\/`)
	dir, file := "", p
	if sep >= 0 {
		dir, file = p[:sep], p[sep+1:]
	}
	ads := ""
	if i := strings.IndexByte(file, ':'); i >= 0 && !(sep < 0 && root != "" && i == len(long)+1) {
		file, ads = file[:i], file[i+1:]
	}
	dirName := dir
	if i := strings.LastIndexAny(dir, `\/`); i >= 0 {
		dirName = dir[i+1:]
	}
	ext := ""
	if i := strings.LastIndexByte(file, '.'); i >= 0 {
		ext = file[i+1:]
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, kv := range [][2]string{{"Scheme", scheme}, {"RootPath", root}, {"DirectoryPath", dir}, {"DirectoryName", dirName},
		{"Filename", file}, {"Extension", ext}, {"AlternateDataStreamName", ads}} {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv[0])
		v, _ := json.Marshal(kv[1])
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String(), nil
}

// parseVersion is parse_version: one to four dot-separated parts of at
// most 8 digits each, read as a decimal whose parts are 8-digit groups
// from the left (1.2 is 1 0000000002 0000000000000000); null otherwise.
func parseVersion(args []arg) (any, error) {
	s, ok := args[0].text1()
	if !ok {
		return nil, nil
	}
	parts := strings.Split(strings.TrimSpace(s), ".")
	if len(parts) > 4 {
		return nil, nil
	}
	var b strings.Builder
	for i := 0; i < 4; i++ {
		p := "0"
		if i < len(parts) {
			p = parts[i]
		}
		if p == "" || len(p) > 8 || strings.Trim(p, "0123456789") != "" {
			return nil, nil
		}
		if i == 0 {
			b.WriteString(p)
		} else {
			b.WriteString(strings.Repeat("0", 8-len(p)) + p)
		}
	}
	out := strings.TrimLeft(b.String(), "0")
	if out == "" {
		out = "0"
	}
	return out, nil
}
