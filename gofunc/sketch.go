package gofunc

// Exact stand-ins for Kusto's sketches (see funcs.go): a tdigest
// is kept as the group's distinct values with their total weights,
// {"tdigest":[[value, weight], ...]} sorted by value, so percentiles and
// ranks read from it are exact (nearest rank), where Kusto's t-digest
// estimates them. hll sketches are plain SQL (the distinct values).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

type digest struct {
	Values [][2]float64 `json:"tdigest"`
}

func (d *digest) total() float64 {
	t := 0.0
	for _, v := range d.Values {
		t += v[1]
	}
	return t
}

// normalize sorts the values and merges equal ones.
func (d *digest) normalize() {
	sort.Slice(d.Values, func(i, j int) bool { return d.Values[i][0] < d.Values[j][0] })
	out := d.Values[:0]
	for _, v := range d.Values {
		if n := len(out); n > 0 && out[n-1][0] == v[0] {
			out[n-1][1] += v[1]
			continue
		}
		out = append(out, v)
	}
	d.Values = out
}

func (d *digest) json() string {
	if d.Values == nil {
		d.Values = [][2]float64{}
	}
	b, _ := json.Marshal(d)
	return string(b)
}

func parseDigest(a arg) (*digest, bool) {
	if a.null {
		return nil, false
	}
	var d digest
	if err := json.Unmarshal([]byte(a.text), &d); err != nil || d.Values == nil {
		return nil, false
	}
	return &d, true
}

// tdigestBuild is the aggregate tdigest(x [, weight]): args[0] is the
// group's [value, weight] pairs as JSON. Weights below 1 count for
// nothing.
func tdigestBuild(args []arg) (any, error) {
	var d digest
	if !args[0].null {
		var raw [][2]*float64
		if err := json.Unmarshal([]byte(args[0].text), &raw); err != nil {
			return nil, fmt.Errorf("__tdigest: %v", err)
		}
		for _, r := range raw {
			if r[0] != nil && r[1] != nil && *r[1] >= 1 && !math.IsNaN(*r[0]) {
				d.Values = append(d.Values, [2]float64{*r[0], *r[1]})
			}
		}
	}
	d.normalize()
	if len(d.Values) == 0 {
		return nil, nil // no value: the aggregate's default, null
	}
	return d.json(), nil
}

// tdigestMerge merges digests: args[0] is a JSON array of them (the
// aggregate tdigest_merge), or each argument is one (merge_tdigest).
func tdigestMerge(args []arg, list bool) (any, error) {
	var d digest
	add := func(text string) {
		var x digest
		if json.Unmarshal([]byte(text), &x) == nil {
			d.Values = append(d.Values, x.Values...)
		}
	}
	if list {
		if !args[0].null {
			var ds []json.RawMessage
			if err := json.Unmarshal([]byte(args[0].text), &ds); err != nil {
				return nil, fmt.Errorf("tdigest_merge: %v", err)
			}
			for _, x := range ds {
				add(string(x))
			}
		}
	} else {
		for _, a := range args {
			if !a.null {
				add(a.text)
			}
		}
	}
	d.normalize()
	return d.json(), nil
}

// nearestRank is the smallest value whose cumulative weight reaches p%
// of the total.
func (d *digest) nearestRank(p float64) float64 {
	if len(d.Values) == 0 || math.IsNaN(p) {
		return math.NaN()
	}
	need := p / 100 * d.total()
	cum := 0.0
	for _, v := range d.Values {
		cum += v[1]
		if cum >= need {
			return v[0]
		}
	}
	return d.Values[len(d.Values)-1][0]
}

// percentileTdigest is percentile_tdigest(digest, p): the nearest-rank
// percentile of the digest's values; null for an empty or invalid one.
func percentileTdigest(args []arg) (any, error) {
	d, ok := parseDigest(args[0])
	if !ok || args[1].null {
		return nil, nil
	}
	return scalarText(d.nearestRank(args[1].num)), nil
}

// percentilesArrayTdigest is percentiles_array_tdigest(digest, p, ...).
func percentilesArrayTdigest(args []arg) (any, error) {
	d, ok := parseDigest(args[0])
	if !ok {
		return nil, nil
	}
	var out []float64
	for _, a := range args[1:] {
		if a.null {
			break // the executor pads with nulls
		}
		if a.isArr {
			for _, e := range a.arr {
				out = append(out, d.nearestRank(e.v))
			}
			continue
		}
		out = append(out, d.nearestRank(a.num))
	}
	return jsonArray(out, false), nil
}

// rankTdigest is rank_tdigest(digest, v): the total weight of the values
// at most v.
func rankTdigest(args []arg) (any, error) {
	d, ok := parseDigest(args[0])
	if !ok || args[1].null || math.IsNaN(args[1].num) {
		return nil, nil
	}
	r := 0.0
	for _, x := range d.Values {
		if x[0] <= args[1].num {
			r += x[1]
		}
	}
	return strconv.FormatFloat(r, 'f', -1, 64), nil
}

// percentrankTdigest is percentrank_tdigest(digest, v): rank_tdigest as
// a percentage of the total weight.
func percentrankTdigest(args []arg) (any, error) {
	d, ok := parseDigest(args[0])
	if !ok || args[1].null || math.IsNaN(args[1].num) || d.total() == 0 {
		return nil, nil
	}
	r := 0.0
	for _, x := range d.Values {
		if x[0] <= args[1].num {
			r += x[1]
		}
	}
	return scalarText(100 * r / d.total()), nil
}

// hllIntersect counts the values common to every argument (the distinct
// values hll() keeps); dcount_intersect's s_k is the count over its
// first k+1 sketches.
func hllIntersect(args []arg) (any, error) {
	var common map[string]bool
	for _, a := range args {
		if a.null && !a.isArr {
			break // padding
		}
		seen := map[string]bool{}
		for _, r := range a.raw {
			k := string(r)
			if common == nil || common[k] {
				seen[k] = true
			}
		}
		common = seen
	}
	return strconv.Itoa(len(common)), nil
}

// dynSchema is buildschema's type of a set of values: the primitive type
// names and at most one container, in order of first appearance.
type dynSchema struct {
	prims     []string
	container *container
	order     []int // 0: a primitive (by index), 1: the container
}

type container struct {
	keys  []string
	types map[string]*dynSchema
}

func (s *dynSchema) addPrim(t string) {
	for _, p := range s.prims {
		if p == t {
			return
		}
	}
	s.order = append(s.order, len(s.prims))
	s.prims = append(s.prims, t)
}

func (s *dynSchema) box() *container {
	if s.container == nil {
		s.container = &container{types: map[string]*dynSchema{}}
		s.order = append(s.order, -1)
	}
	return s.container
}

func (c *container) field(k string) *dynSchema {
	f, ok := c.types[k]
	if !ok {
		f = &dynSchema{}
		c.types[k] = f
		c.keys = append(c.keys, k)
	}
	return f
}

// indexerKey is how buildschema names the elements of an array.
const indexerKey = "`indexer`"

func (s *dynSchema) add(n *jnode) {
	switch n.kind {
	case 'o':
		c := s.box()
		for i, k := range n.keys {
			c.field(k).add(n.vals[i])
		}
	case 'a':
		c := s.box()
		f := c.field(indexerKey)
		for _, v := range n.vals {
			f.add(v)
		}
	default:
		raw := string(n.raw)
		switch {
		case raw == "null":
		case raw == "true" || raw == "false":
			s.addPrim("bool")
		case len(raw) > 0 && raw[0] == '"':
			s.addPrim("string")
		case strings.ContainsAny(raw, ".eE"):
			s.addPrim("double")
		default:
			s.addPrim("long")
		}
	}
}

func (s *dynSchema) write(b *bytes.Buffer) bool {
	if len(s.order) == 0 {
		return false
	}
	one := func(o int) {
		if o < 0 {
			b.WriteByte('{')
			first := true
			for _, k := range s.container.keys {
				var fb bytes.Buffer
				if !s.container.types[k].write(&fb) {
					continue
				}
				if !first {
					b.WriteByte(',')
				}
				first = false
				writeJSONString(b, k)
				b.WriteByte(':')
				b.Write(fb.Bytes())
			}
			b.WriteByte('}')
			return
		}
		writeJSONString(b, s.prims[o])
	}
	if len(s.order) == 1 {
		one(s.order[0])
		return true
	}
	b.WriteByte('[')
	for i, o := range s.order {
		if i > 0 {
			b.WriteByte(',')
		}
		one(o)
	}
	b.WriteByte(']')
	return true
}

// buildSchema is the aggregate buildschema(x): args[0] is the group's
// values as a JSON array. The minimal schema admitting every value:
// primitive type names (long, double, string, bool), containers with a
// schema per property (arrays as the property `indexer`), and a list
// where values differ in type; null when there is no value.
func buildSchema(args []arg) (any, error) {
	if args[0].null {
		return nil, nil
	}
	n, err := parseJSON(args[0].text)
	if err != nil || n.kind != 'a' {
		return nil, fmt.Errorf("buildschema: %v", err)
	}
	var s dynSchema
	for _, v := range n.vals {
		s.add(v)
	}
	var b bytes.Buffer
	if !s.write(&b) {
		return nil, nil
	}
	return b.String(), nil
}
