package compile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/kql/check"
	"github.com/quarry-kql/quarry/store"
)

// The engine package runs the conformance suite for real (its runner is
// the reference and guards regressions); this copy lets the compiler be
// measured on its own, with a simplified version of the suite's cell
// comparison rules.

type confCase struct {
	ID      string     `json:"id"`
	Query   string     `json:"query"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	Ordered bool       `json:"ordered"`
	Notes   string     `json:"notes"`
}

func loadConf(t testing.TB) []*confCase {
	dir := testenv.Shared(t, "conformance", "docs")
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	var out []*confCase
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			var c confCase
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, &c)
		}
		fh.Close()
	}
	return out
}

func (c *confCase) inScope() bool {
	if strings.HasPrefix(c.Notes, "suspect:") {
		return false
	}
	return !strings.Contains(c.ID, "geo-") && !strings.HasPrefix(c.ID, "geo") && !strings.Contains(c.ID, "series-") && !strings.HasPrefix(c.ID, "series")
}

var numRE = regexp.MustCompile(`^[-+]?(\d[\d,]*)?(\.\d*)?([eE][-+]?\d+)?$`)

func parseNum(s string) (float64, int, bool) {
	switch s {
	case "NaN":
		return math.NaN(), 0, true
	case "Infinity", "∞", "+Infinity":
		return math.Inf(1), 0, true
	case "-Infinity", "-∞":
		return math.Inf(-1), 0, true
	}
	if s == "" || !numRE.MatchString(s) || s == "." || s == "-" {
		return 0, 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil {
		return 0, 0, false
	}
	d := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		d = len(strings.TrimRight(strings.SplitN(s[i+1:], "e", 2)[0], "E"))
	}
	return f, d, true
}

func numEq(a, e string) (bool, bool) {
	af, _, ok1 := parseNum(a)
	ef, d, ok2 := parseNum(e)
	if !ok1 || !ok2 {
		return false, false
	}
	if math.IsNaN(af) || math.IsNaN(ef) {
		return math.IsNaN(af) && math.IsNaN(ef), true
	}
	if af == ef {
		return true, true
	}
	diff := math.Abs(af - ef)
	if diff <= math.Max(1e-9*math.Max(math.Abs(af), math.Abs(ef)), 1e-12) {
		return true, true
	}
	if d >= 1 && diff <= 0.5*math.Pow10(-d)+1e-15 {
		return true, true
	}
	return false, true
}

var dtRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$`)

func parseDT(s string) (time.Time, bool) {
	if !dtRE.MatchString(s) {
		return time.Time{}, false
	}
	return check.ParseDatetime(s)
}

var tsRE = regexp.MustCompile(`^(-)?(?:(\d+)[.:])?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$`)

func parseTS(s string) (time.Duration, bool) {
	m := tsRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	d, _ := strconv.ParseInt("0"+m[2], 10, 64)
	h, _ := strconv.ParseInt(m[3], 10, 64)
	mi, _ := strconv.ParseInt(m[4], 10, 64)
	se, _ := strconv.ParseInt(m[5], 10, 64)
	frac := (m[6] + "0000000")[:7]
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := time.Duration(((d*24+h)*60+mi)*60+se)*time.Second + time.Duration(f)*100
	if m[1] != "" {
		v = -v
	}
	return v, true
}

func lenientJSON(s string) (any, bool) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err == nil {
		return v, true
	}
	// Single quotes and bare words.
	t := strings.ReplaceAll(s, "'", `"`)
	t = regexp.MustCompile(`([\[,{:]\s*)([A-Za-z_][\w.\- ]*?)(\s*[\],}:])`).ReplaceAllString(t, `$1"$2"$3`)
	t = regexp.MustCompile(`,\s*([\]}])`).ReplaceAllString(t, "$1")
	if err := json.Unmarshal([]byte(t), &v); err == nil {
		return v, true
	}
	return nil, false
}

func jsonEq(a, e any) bool {
	switch ev := e.(type) {
	case map[string]any:
		av, ok := a.(map[string]any)
		if !ok || len(av) != len(ev) {
			return false
		}
		for k, x := range ev {
			y, ok := av[k]
			if !ok || !jsonEq(y, x) {
				return false
			}
		}
		return true
	case []any:
		av, ok := a.([]any)
		if !ok || len(av) != len(ev) {
			return false
		}
		for i := range ev {
			if !jsonEq(av[i], ev[i]) {
				return false
			}
		}
		return true
	case float64:
		switch av := a.(type) {
		case float64:
			ok, _ := numEq(strconv.FormatFloat(av, 'g', -1, 64), strconv.FormatFloat(ev, 'g', -1, 64))
			return ok
		}
		return false
	case string:
		switch av := a.(type) {
		case string:
			return cellEq(av, ev)
		case float64:
			return cellEq(strconv.FormatFloat(av, 'g', -1, 64), ev)
		case bool:
			return cellEq(strconv.FormatBool(av), ev)
		}
		return false
	case nil:
		return a == nil
	case bool:
		return a == ev
	}
	return false
}

func cellEq(a, e string) bool {
	a = strings.TrimSpace(strings.ReplaceAll(a, "\u00a0", " "))
	e = strings.TrimSpace(strings.ReplaceAll(e, "\u00a0", " "))
	if a == e {
		return true
	}
	isNull := func(s string) bool { return s == "" || s == "null" || s == "(null)" }
	if isNull(a) && isNull(e) {
		return true
	}
	if strings.EqualFold(a, e) && (strings.EqualFold(a, "true") || strings.EqualFold(a, "false")) {
		return true
	}
	if (e == "1" && a == "true") || (e == "0" && a == "false") {
		return true
	}
	if ok, isNum := numEq(a, e); isNum {
		return ok
	}
	if at, ok := parseDT(a); ok {
		if et, ok := parseDT(e); ok {
			return at.Equal(et)
		}
	}
	if at, ok := parseTS(a); ok {
		if et, ok := parseTS(e); ok {
			return at == et
		}
	}
	if strings.EqualFold(a, e) && len(a) == 36 && strings.Count(a, "-") == 4 {
		return true
	}
	if strings.HasPrefix(a, "[") || strings.HasPrefix(a, "{") || strings.HasPrefix(e, "[") || strings.HasPrefix(e, "{") {
		av, ok1 := lenientJSON(a)
		ev, ok2 := lenientJSON(e)
		if ok1 && ok2 {
			return jsonEq(av, ev)
		}
	}
	if strings.HasPrefix(a, `"`) {
		var s string
		if json.Unmarshal([]byte(a), &s) == nil {
			return cellEq(s, e)
		}
	}
	return false
}

func rowsMatch(got, want [][]string, ordered bool) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d rows, want %d", len(got), len(want))
	}
	rowEq := func(g, w []string) bool {
		if len(g) != len(w) {
			return false
		}
		for i := range g {
			if !cellEq(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	if ordered {
		for i := range got {
			if !rowEq(got[i], want[i]) {
				return fmt.Errorf("row %d: got %q, want %q", i, got[i], want[i])
			}
		}
		return nil
	}
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for j, g := range got {
			if !used[j] && rowEq(g, w) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return fmt.Errorf("no row matches %q (got %q)", w, got)
		}
	}
	return nil
}

// TestConformanceCompiler runs the reference-docs examples through the
// compiler and DuckDB and reports the pass rate; it fails if the rate
// falls below the floor reached so far. QUARRY_CONF_VERBOSE=1 lists the
// failures.
func TestConformanceCompiler(t *testing.T) {
	cases := loadConf(t)
	st := mem(t)
	pass, total := 0, 0
	reasons := map[string]int{}
	var fails []string
	for _, c := range cases {
		if !c.inScope() {
			continue
		}
		total++
		if os.Getenv("QUARRY_CONF_TRACE") != "" {
			fmt.Fprintln(os.Stderr, c.ID)
		}
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			res, err := runKQLTimeout(st, c.Query)
			if err != nil {
				return err
			}
			if strings.Join(res.cols, ",") != strings.Join(c.Columns, ",") {
				return fmt.Errorf("columns %q, want %q", res.cols, c.Columns)
			}
			return rowsMatch(res.rows, c.Rows, c.Ordered)
		}()
		if err == nil {
			pass++
			continue
		}
		msg := err.Error()
		key := msg
		if i := strings.Index(key, "not supported yet: "); i >= 0 {
			key = key[i:]
			if j := strings.IndexAny(key, "\n("); j > 0 {
				key = key[:j]
			}
		} else if strings.HasPrefix(key, "columns") {
			key = "columns differ"
		} else if strings.Contains(key, "rows, want") || strings.HasPrefix(key, "row ") || strings.HasPrefix(key, "no row") {
			key = "values differ"
		} else if i := strings.Index(key, ": "); i > 0 && i < 8 {
			key = key[i+2:]
			if len(key) > 40 {
				key = key[:40]
			}
		} else if len(key) > 40 {
			key = key[:40]
		}
		reasons[key]++
		fails = append(fails, c.ID+": "+strings.ReplaceAll(firstLines(msg, 3), "\n", " | "))
	}
	rate := float64(pass) / float64(total)
	t.Logf("conformance (compiler, in scope): %d of %d pass (%.1f%%)", pass, total, 100*rate)
	type kv struct {
		k string
		v int
	}
	var top []kv
	for k, v := range reasons {
		top = append(top, kv{k, v})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].v > top[j].v })
	for i, x := range top {
		if i >= 25 {
			break
		}
		t.Logf("  %3d  %s", x.v, x.k)
	}
	if os.Getenv("QUARRY_CONF_VERBOSE") != "" {
		for _, f := range fails {
			t.Log(f)
		}
	}
	if rate < conformanceFloor {
		t.Errorf("pass rate %.1f%% is below the floor %.1f%%", 100*rate, 100*conformanceFloor)
	}
}

// conformanceFloor is the pass rate reached so far; raise it as it grows.
const conformanceFloor = 0.66

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func runKQLTimeout(st *store.Store, q string) (*result, error) {
	return runKQL(st, q, nil)
}
