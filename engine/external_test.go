package engine

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// externaldata with ignoreFirstRecord=true drops the first record of
// every source (its CSV header), and without it the header is data.
func TestExternalIgnoreFirstRecord(t *testing.T) {
	requireCompiler(t)
	e := newEngine(t)
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	os.WriteFile(a, []byte("Domain,Score\nevil.example,9\nbad.example,7\n"), 0o644)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "Domain,Score\nworse.example,10\n")
	}))
	defer srv.Close()
	allow := AllowPrefixes(dir, srv.URL)
	cases := []struct {
		with string
		want []string
	}{
		{`with (format="csv", ignoreFirstRecord=true)`, []string{"evil.example", "bad.example", "worse.example"}},
		{`with (format="csv", ignorefirstrecord = True)`, []string{"evil.example", "bad.example", "worse.example"}},
		{`with (format="csv", ignoreFirstRecord=false)`, []string{"Domain", "evil.example", "bad.example", "Domain", "worse.example"}},
		{`with (format="csv")`, []string{"Domain", "evil.example", "bad.example", "Domain", "worse.example"}},
	}
	for _, c := range cases {
		q := `externaldata(Domain: string, Score: string) [` + kqlVerbatim(a) + `, "` + srv.URL + `/list.csv"] ` + c.with
		res, err := e.Query(context.Background(), q, QueryOptions{AllowExternal: allow})
		if err != nil {
			t.Errorf("%s: %v", c.with, err)
			continue
		}
		var got []string
		for _, r := range res.Rows {
			got = append(got, r[0].(string))
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: domains %q, want %q", c.with, got, c.want)
		}
	}
	// With the header skipped, a typed column converts every record.
	q := `externaldata(Domain: string, Score: long) [` + kqlVerbatim(a) + `] with (format="csv", ignoreFirstRecord=true) | summarize sum(Score)`
	res, err := e.Query(context.Background(), q, QueryOptions{AllowExternal: allow})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0][0] != int64(16) {
		t.Errorf("sum(Score) = %v, want 16", res.Rows)
	}
	if _, err := e.Query(context.Background(), `externaldata(Domain: string) [`+kqlVerbatim(a)+`] with (ignoreFirstRecord="yes")`, QueryOptions{AllowExternal: allow}); err == nil {
		t.Error("ignoreFirstRecord=\"yes\" accepted")
	}
}
