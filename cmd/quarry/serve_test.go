package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/rules"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
	"github.com/quarry-kql/quarry/web/webtest"
)

const mailflowHunt = `EmailEvents
| where Timestamp > ago(30d)
| extend domain = substring(RecipientEmailAddress, indexof(RecipientEmailAddress, "@")+1)
| summarize total=count() by EmailDirection, domain, bin(Timestamp, 1d)
| order by Timestamp asc`

// startServe runs `quarry serve` in-process on a loopback port, as if it
// had been asked for addr, and returns its base URL, its output and a stop
// function that waits for it to end.
func startServe(t *testing.T, addr string, tune ...func(*serveOptions)) (base string, out *bytes.Buffer, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out = &bytes.Buffer{}
	var errb bytes.Buffer
	done := make(chan error, 1)
	o := serveOptions{addr: addr, now: "2026-11-01T00:00:00Z", maxRows: 5000, timeout: 30 * time.Second, memoryLimit: "1GB", concurrent: 2}
	for _, f := range tune {
		f(&o)
	}
	go func() { done <- runServe(ctx, o, ln, out, &errb) }()
	base = "http://" + ln.Addr().String()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/static/app.css")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return base, out, func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop within 10s")
		}
	}
}

func postQuery(base, query string, chart bool) (int, map[string]any, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "chart": chart})
	resp, err := http.Post(base+"/api/query", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	err = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, err
}

// TestServe runs the server on a store holding the golden EmailEvents rows
// and the 67 Sentinel email rules: the API lists the rules and serves the
// rule page and coverage, the Mailflow hunt returns the golden 2,117 rows
// with a stacked daily chart, 50 concurrent queries all succeed, and
// the server stops cleanly.
func TestServe(t *testing.T) {
	corpus := testenv.Shared(t, "corpus", "sentinel-email")
	parquet := testenv.Shared(t, "golden", "EmailEvents-10k-seed1.parquet")
	db := filepath.Join(t.TempDir(), "q.duckdb")
	ctx := context.Background()
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rules.LoadDir(corpus, rules.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := rules.OpenCatalog(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Replace(ctx, corpus, res); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, "EmailEvents", []string{parquet}, store.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	dbPath = db
	defer func() { dbPath = "" }()

	runtime.GC()
	goroutines := runtime.NumGoroutine()
	start := time.Now()
	base, out, stop := startServe(t, "127.0.0.1:0")
	t.Logf("serve started in %v", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(out.String(), "quarry: 67 rules") || !strings.Contains(out.String(), "(loopback only)") {
		t.Errorf("serve printed:\n%s", out.String())
	}

	var list []struct {
		ID, Name string
		Tables   []string
		Runnable bool
		Reasons  []string
	}
	resp, err := http.Get(base + "/api/rules?technique=T1566")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	var mailflow string
	for _, r := range list {
		if r.Name == "Mailflow by directionality" {
			mailflow = r.ID
		}
	}
	if len(list) < 10 || mailflow != "6b478186-da3b-4d71-beaa-aa5b42908499" {
		t.Fatalf("GET /api/rules?technique=T1566: %d rules, Mailflow id %q", len(list), mailflow)
	}
	for path, want := range map[string]string{
		"/rules/" + mailflow: "<h2>Hunt Hypothesis</h2>",
		"/coverage":          `data-technique="T1566"`,
		"/api/coverage":      `"id": "T1566"`,
		"/?technique=T1566":  fmt.Sprintf("%d of 67 rules", len(list)),
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, lacks %q", path, resp.StatusCode, want)
		}
	}

	status, hunt, err := postQuery(base, mailflowHunt, true)
	if err != nil {
		t.Fatal(err)
	}
	if status != 200 || hunt["rowCount"] != 2117.0 {
		t.Fatalf("Mailflow hunt: status %d, %v rows (want 2117): %v", status, hunt["rowCount"], hunt["error"])
	}
	chart, _ := hunt["chart"].(map[string]any)
	if svg, _ := chart["svg"].(string); !strings.Contains(svg, `data-kind="columnchart stacked"`) || !strings.Contains(svg, "Intra-org") {
		t.Errorf("Mailflow chart: %v", chart)
	}

	t.Run("browser", func(t *testing.T) { browseMailflow(t, base, mailflow) })

	// 50 concurrent queries through the real engine
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, res, err := postQuery(base, mailflowHunt, false)
			if err != nil || status != 200 || res["rowCount"] != 2117.0 {
				errs <- fmt.Sprintf("status %d, rows %v, %v %v", status, res["rowCount"], err, res["error"])
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error("concurrent query:", e)
	}
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	t.Logf("after 50 concurrent hunts: heap %d MiB, %d goroutines (%d before the server)", m.HeapAlloc>>20, runtime.NumGoroutine(), goroutines)
	stop()
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines+2 {
		t.Errorf("%d goroutines after the server stopped, %d before it started", n, goroutines)
	}
}

var tokenLine = regexp.MustCompile(`\?token=([A-Za-z0-9_-]{40,})`)

// TestServeToken: on a non-loopback address quarry prints a token and
// refuses requests without it.
func TestServeToken(t *testing.T) {
	dbPath = filepath.Join(t.TempDir(), "q.duckdb")
	defer func() { dbPath = "" }()
	base, out, stop := startServe(t, "0.0.0.0:0")
	defer stop()
	m := tokenLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no token printed:\n%s", out.String())
	}
	resp, err := http.Get(base + "/api/rules")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("without the token: %d, want 401", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", base+"/api/rules", nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("with the token: %d, want 200", resp.StatusCode)
	}
}

// browseMailflow drives the real server in headless Chromium: the feed
// filtered for T1566, Mailflow by directionality run to its grid (2,117
// rows) and its stacked daily chart, and a misspelt column underlined in
// the console.
func browseMailflow(t *testing.T, base, id string) {
	ctx, cancel := webtest.NewBrowser(t)
	defer cancel()
	dir := webtest.ArtifactsDir(t)
	link := `a.rule-name[href="/rules/` + id + `"]`
	var rows, legend, marked, errText string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible("#feed", chromedp.ByQuery),
		chromedp.SendKeys("#f-technique", "T1566", chromedp.ByQuery),
		chromedp.Click("#f-apply", chromedp.ByQuery),
		chromedp.WaitVisible(`#f-technique[value="T1566"]`, chromedp.ByQuery),
		chromedp.WaitVisible(link, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("feed: %v", err)
	}
	webtest.Screenshot(t, ctx, dir, "1-feed-T1566.png")
	err = chromedp.Run(ctx,
		chromedp.Click(link, chromedp.ByQuery),
		chromedp.WaitVisible("#run", chromedp.ByQuery),
		chromedp.Click("#run", chromedp.ByQuery),
		chromedp.WaitVisible("#grid tbody tr", chromedp.ByQuery),
		chromedp.WaitVisible("#chart svg.quarry-chart", chromedp.ByQuery),
		chromedp.Text("#row-count", &rows, chromedp.ByQuery),
		chromedp.TextContent("#chart svg", &legend, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("rule page: %v", err)
	}
	if rows != "2117 rows" || !strings.Contains(legend, "Inbound") || !strings.Contains(legend, "Outbound") || !strings.Contains(legend, "Intra-org") {
		t.Errorf("Mailflow run: %q, chart text %q", rows, legend)
	}
	var pager, page string
	err = chromedp.Run(ctx,
		chromedp.Text(".pager", &pager, chromedp.ByQuery),
		chromedp.Click(`button[data-act="next"]`, chromedp.ByQuery),
		chromedp.Text("#page", &page, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("paging: %v", err)
	}
	if !strings.Contains(pager, "page 1 of 43") || page != "2" { // 2,117 rows, 50 a page
		t.Errorf("pager %q, after next: page %q", pager, page)
	}
	webtest.Screenshot(t, ctx, dir, "2-mailflow-run.png")
	err = chromedp.Run(ctx,
		chromedp.Navigate(base+"/console"),
		chromedp.WaitVisible("#editor", chromedp.ByQuery),
		chromedp.SetValue("#editor", "EmailEvents\n| where Timestamp > ago(1d)\n| summarize n = count() by Directoin", chromedp.ByQuery),
		chromedp.Click("#run", chromedp.ByQuery),
		chromedp.WaitVisible("#error", chromedp.ByQuery),
		chromedp.Text("#error", &errText, chromedp.ByQuery),
		chromedp.WaitReady("#highlight .err-mark", chromedp.ByQuery),
		chromedp.Text("#highlight .err-mark", &marked, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	if !strings.HasPrefix(errText, "3:28 ") || marked != "Directoin" {
		t.Errorf("console error %q underlining %q, want 3:28 and the misspelt column", errText, marked)
	}
	webtest.Screenshot(t, ctx, dir, "3-console-error.png")
}

func TestDisplayAddr(t *testing.T) {
	host, _ := os.Hostname()
	bound := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41234}
	for req, want := range map[string]string{
		"127.0.0.1:0":    "127.0.0.1:41234",
		"localhost:8080": "localhost:41234",
		"[::1]:0":        "[::1]:41234",
		":8080":          net.JoinHostPort(host, "41234"),
		"0.0.0.0:0":      net.JoinHostPort(host, "41234"),
	} {
		if got := displayAddr(req, bound); got != want {
			t.Errorf("displayAddr(%q) = %q, want %q", req, got, want)
		}
	}
}

// getRules returns GET /api/rules' rules by id, and how long it took.
func getRules(t *testing.T, base string) (map[string]bool, time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := http.Get(base + "/api/rules")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		ID       string
		Runnable bool
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range list {
		out[r.ID] = r.Runnable
	}
	return out, time.Since(start)
}

// openWriter opens the database for writing as another quarry command
// would, retrying while the server holds it; it fails the test if the
// server does not let go within 5s.
func openWriter(t *testing.T, path string) *store.Store {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := store.Open(path, store.Options{})
		if err == nil {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not let go of the database: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeRefreshesCatalog: the server lets go of the database between
// requests, so `rules sync` and loading data in another process can run;
// while such a writer holds the database, rule requests are answered at
// once from the previous catalog; once it is done, the next request shows
// the new rules, and a rule whose table got rows turns runnable; a query
// waits for the writer and then runs.
func TestServeRefreshesCatalog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "q.duckdb")
	ctx := context.Background()
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) // startServe's --now
	syncRules := func(st *store.Store, source string, rs ...*rules.Rule) {
		t.Helper()
		cat, err := rules.OpenCatalog(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if err := cat.Replace(ctx, source, &rules.LoadResult{Rules: rs, Files: len(rs)}); err != nil {
			t.Fatal(err)
		}
	}
	ruleA := &rules.Rule{ID: "rule-a", Name: "Mail volume", Query: "EmailEvents | summarize count()", Source: rules.Source{Repo: "pack-a", Path: "a.yaml", RetrievedAt: now}}
	ruleB := &rules.Rule{ID: "rule-b", Name: "Synced while serving", Query: "EmailEvents | take 1", Source: rules.Source{Repo: "pack-b", Path: "b.yaml", RetrievedAt: now}}
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	syncRules(st, "pack-a", ruleA)
	st.Close()
	dbPath = db
	defer func() { dbPath = "" }()

	base, out, stop := startServe(t, "127.0.0.1:0", func(o *serveOptions) {
		o.idleClose = 50 * time.Millisecond
		o.catalogCheck = 10 * time.Millisecond
	})
	defer stop()
	if got, _ := getRules(t, base); len(got) != 1 || got["rule-a"] {
		t.Fatalf("at start: %v, want rule-a, not runnable (no EmailEvents)", got)
	}

	// another process syncs a second source and loads EmailEvents; while
	// it holds the database the server answers from the old catalog
	w := openWriter(t, db)
	time.Sleep(20 * time.Millisecond) // past catalogCheck: this request looks
	got, took := getRules(t, base)
	if len(got) != 1 || took > time.Second {
		t.Errorf("while a writer holds the database: %v in %v, want the old catalog at once", got, took)
	}
	// a query meanwhile waits for the writer, then runs
	queried := make(chan string, 1)
	go func() {
		status, res, err := postQuery(base, "print n = 1", false)
		queried <- fmt.Sprintf("%d %v %v %v", status, res["rowCount"], err, res["error"])
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case q := <-queried:
		t.Fatalf("a query ran while a writer held the database: %s", q)
	default:
	}
	syncRules(w, "pack-b", ruleB)
	tab, _ := schema.Builtin("EmailEvents")
	if err := w.EnsureTable(ctx, tab); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.Exec(`INSERT INTO EmailEvents (Timestamp) VALUES (?)`, now.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	select {
	case q := <-queried:
		if q != "200 1 <nil> <nil>" {
			t.Errorf("the query that waited for the writer: %s", q)
		}
	case <-time.After(5 * time.Second):
		t.Error("the query did not run once the writer was done")
	}

	time.Sleep(20 * time.Millisecond)
	got, took = getRules(t, base)
	if len(got) != 2 || !got["rule-a"] || !got["rule-b"] {
		t.Errorf("after the sync and load: %v (in %v), want rule-a and rule-b, both runnable", got, took)
	}
	resp, err := http.Get(base + "/rules/rule-b")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Synced while serving") {
		t.Errorf("GET /rules/rule-b: %d", resp.StatusCode)
	}
	resp, err = http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	feed, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(feed), "2 of 2 rules") {
		t.Error("the feed does not list the synced rule")
	}
	// a query still runs, and the handle is let go again afterwards
	if status, res, err := postQuery(base, "EmailEvents | count", false); err != nil || status != 200 || res["rowCount"] != 1.0 {
		t.Errorf("query after the reload: %d %v %v", status, res, err)
	}
	openWriter(t, db).Close()
	if !strings.Contains(out.String(), "reloaded 2 rules (2 runnable)") {
		t.Errorf("serve printed:\n%s", out.String())
	}
}

// TestServeAnomalychartEmailBombing runs Sentinel's "Hunt for email
// bombing attacks" (from the corpus) with `| render anomalychart
// with(anomalycolumns=Anomalies)` through the server and the real engine,
// on three days of hourly mail to two recipients, one of them bombed with
// 60 messages in an hour: the hunt finds that hour, and the console's
// chart marks it, one spike mark per row the hunt returns. Without its
// mv-expand (the series columns themselves) the chart marks every
// non-zero flag of the series.
func TestServeAnomalychartEmailBombing(t *testing.T) {
	corpus := testenv.Shared(t, "corpus", "sentinel-email")
	res, err := rules.LoadDir(corpus, rules.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var hunt string
	for _, r := range res.Rules {
		if r.Name == "Hunt for email bombing attacks" {
			hunt = strings.TrimSpace(r.Query)
		}
	}
	if !strings.Contains(hunt, "series_decompose_anomalies") {
		t.Fatalf("the corpus has no email bombing hunt: %q", hunt)
	}
	db := filepath.Join(t.TempDir(), "q.duckdb")
	ctx := context.Background()
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, _ := schema.Builtin("EmailEvents")
	if err := st.EnsureTable(ctx, tab); err != nil {
		t.Fatal(err)
	}
	// r1 and r2 get one message an hour for 72 hours (r1 two at odd
	// hours); r1 gets 60 more at hour 50
	for _, q := range []string{
		`INSERT INTO EmailEvents (Timestamp, EmailDirection, RecipientObjectId, NetworkMessageId)
		 SELECT TIMESTAMP '2026-10-01 00:10:00' + to_hours(i), 'Inbound', r, r || '-' || i FROM range(72) t(i), (VALUES ('r1'), ('r2')) v(r)`,
		`INSERT INTO EmailEvents (Timestamp, EmailDirection, RecipientObjectId, NetworkMessageId)
		 SELECT TIMESTAMP '2026-10-01 00:20:00' + to_hours(i), 'Inbound', 'r1', 'odd-' || i FROM range(1, 72, 2) t(i)`,
		`INSERT INTO EmailEvents (Timestamp, EmailDirection, RecipientObjectId, NetworkMessageId)
		 SELECT TIMESTAMP '2026-10-03 02:30:00' + to_seconds(i), 'Inbound', 'r1', 'bomb-' || i FROM range(60) t(i)`,
	} {
		if _, err := st.DB.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	dbPath = db
	defer func() { dbPath = "" }()
	base, _, stop := startServe(t, "127.0.0.1:0")
	defer stop()

	count := func(svg, s string) int { return strings.Count(svg, s) }
	status, out, err := postQuery(base, hunt+"\n| render anomalychart with(anomalycolumns=Anomalies, title='Email bombing')", true)
	if err != nil || status != 200 {
		t.Fatalf("hunt: %d %v %v", status, err, out["error"])
	}
	rows, _ := out["rows"].([]any)
	chart, _ := out["chart"].(map[string]any)
	svg, _ := chart["svg"].(string)
	if len(rows) == 0 || count(svg, `class="anomaly up"`) != len(rows) || count(svg, `class="anomaly down"`) != 0 || !strings.Contains(svg, "Anomalies +1 (up)") {
		t.Fatalf("hunt: %d rows, chart with %d spike and %d dip marks (%v)", len(rows), count(svg, `class="anomaly up"`), count(svg, `class="anomaly down"`), chart["error"])
	}
	found := false
	for _, r := range rows {
		cells := r.([]any)
		if cells[0] == "r1" && strings.HasPrefix(fmt.Sprint(cells[2]), "2026-10-03T02:00:00") {
			found = true
		}
	}
	if !found {
		t.Errorf("the hunt did not find r1's bombing hour: %v", rows)
	}

	// the series columns themselves: every non-zero flag is marked
	series := hunt[:strings.Index(hunt, "| mv-expand")] + "| render anomalychart with(anomalycolumns=Anomalies)"
	status, out, err = postQuery(base, series, true)
	if err != nil || status != 200 {
		t.Fatalf("series: %d %v %v", status, err, out["error"])
	}
	flags := 0
	for _, r := range out["rows"].([]any) {
		for _, f := range r.([]any)[3].([]any) { // RecipientObjectId, Emailcount, Timestamp, Anomalies, ...
			if f.(float64) != 0 {
				flags++
			}
		}
	}
	chart, _ = out["chart"].(map[string]any)
	svg, _ = chart["svg"].(string)
	t.Logf("the hunt: %d rows, all marked; the series: %d non-zero flags, all marked", len(rows), flags)
	if flags == 0 || count(svg, `class="anomaly `) != flags {
		t.Errorf("series columns: %d non-zero flags, %d marks (%v)", flags, count(svg, `class="anomaly `), chart["error"])
	}
}
