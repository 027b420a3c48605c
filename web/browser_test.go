package web

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/quarry-kql/quarry/web/webtest"
)

// TestBrowser drives the app in headless Chromium: the feed filtered for
// T1566, the Mailflow by directionality page run to a grid and a chart,
// a broken query in the console underlined at its position, and an
// anomalychart drawn with its marks.
func TestBrowser(t *testing.T) {
	ctx, cancel := webtest.NewBrowser(t)
	defer cancel()
	srv := httptest.NewServer(New(&fakeRunner{}, sampleRules(), Config{}))
	defer srv.Close()
	dir := webtest.ArtifactsDir(t)

	// the feed, filtered for T1566
	var count string
	err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible("#feed", chromedp.ByQuery),
		chromedp.SendKeys("#f-technique", "T1566", chromedp.ByQuery),
		chromedp.Click("#f-apply", chromedp.ByQuery),
		// the filtered page echoes the filter in the input's value attribute
		chromedp.WaitVisible(`#f-technique[value="T1566"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`a.rule-name[href="/rules/6b478186-da3b-4d71-beaa-aa5b42908499"]`, chromedp.ByQuery),
		chromedp.Text("#count", &count, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("feed: %v", err)
	}
	if count != "2 of 3 rules" {
		t.Errorf("after filtering for T1566 the feed says %q, want 2 of 3 rules", count)
	}
	webtest.Screenshot(t, ctx, dir, "1-feed-T1566.png")

	// the rule page: highlighted KQL, Run gives a grid and a chart
	var title, rows, firstCell string
	var keywords, gridRows, charts int
	err = chromedp.Run(ctx,
		chromedp.Click(`a.rule-name[href="/rules/6b478186-da3b-4d71-beaa-aa5b42908499"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#rule-name", chromedp.ByQuery),
		chromedp.Text("#rule-name", &title, chromedp.ByQuery),
		chromedp.WaitReady("#rule-kql .t-keyword", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#rule-kql .t-keyword").length`, &keywords),
		chromedp.Click("#run", chromedp.ByQuery),
		chromedp.WaitVisible("#grid tbody tr", chromedp.ByQuery),
		chromedp.WaitVisible("#chart svg.quarry-chart", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#grid tbody tr").length`, &gridRows),
		chromedp.Evaluate(`document.querySelectorAll("#chart svg rect").length`, &charts),
		chromedp.Text("#row-count", &rows, chromedp.ByQuery),
		// sort by total, descending: click its header twice
		chromedp.Click(`#grid th[data-col="3"]`, chromedp.ByQuery),
		chromedp.Click(`#grid th[data-col="3"]`, chromedp.ByQuery),
		chromedp.Text(`#grid tbody tr:first-child td:nth-child(4)`, &firstCell, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("rule page: %v", err)
	}
	if title != "Mailflow by directionality" || keywords < 4 {
		t.Errorf("rule page title %q with %d highlighted keywords", title, keywords)
	}
	if gridRows != 7 || rows != "7 rows" || charts < 5 {
		t.Errorf("after Run: %d grid rows (%q), %d chart rects", gridRows, rows, charts)
	}
	if firstCell != "10" {
		t.Errorf("sorted by total descending, the first total is %q, want 10", firstCell)
	}
	webtest.Screenshot(t, ctx, dir, "2-rule-mailflow-run.png")

	// the console: a broken query is underlined where the error is
	var errText, marked string
	err = chromedp.Run(ctx,
		chromedp.Navigate(srv.URL+"/console"),
		chromedp.WaitVisible("#editor", chromedp.ByQuery),
		chromedp.SetValue("#editor", "EmailEvents\n| where Timestamp > ago(1d)\n| broken stuff", chromedp.ByQuery),
		chromedp.Click("#run", chromedp.ByQuery),
		chromedp.WaitVisible("#error", chromedp.ByQuery),
		chromedp.Text("#error", &errText, chromedp.ByQuery),
		chromedp.WaitReady("#highlight .err-mark", chromedp.ByQuery),
		chromedp.Text("#highlight .err-mark", &marked, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	if !strings.Contains(errText, "3:3") || !strings.Contains(errText, "found 'broken'") {
		t.Errorf("console error %q, want it at 3:3", errText)
	}
	if marked != "broken" {
		t.Errorf("underlined %q, want the word broken", marked)
	}
	webtest.Screenshot(t, ctx, dir, "3-console-error.png")

	// the console draws render anomalychart with its marks
	var marks int
	err = chromedp.Run(ctx,
		chromedp.SetValue("#editor", anomalyQuery, chromedp.ByQuery),
		chromedp.Click("#run", chromedp.ByQuery),
		chromedp.WaitVisible(`#chart svg[data-kind="anomalychart"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#chart svg polygon.anomaly").length`, &marks),
	)
	if err != nil {
		t.Fatalf("console anomalychart: %v", err)
	}
	if marks != 3 {
		t.Errorf("%d anomaly marks in the console's chart, want 3", marks)
	}
	webtest.Screenshot(t, ctx, dir, "3b-console-anomalychart.png")

	// the coverage page links its cells to the rules
	var cells int
	err = chromedp.Run(ctx,
		chromedp.Navigate(srv.URL+"/coverage"),
		chromedp.WaitVisible("#matrix", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#matrix .cell a[href^="/rules/"]').length`, &cells),
	)
	if err != nil {
		t.Fatalf("coverage: %v", err)
	}
	if cells != 3 {
		t.Errorf("%d rule links in the matrix, want 3", cells)
	}
	webtest.Screenshot(t, ctx, dir, "4-coverage.png")
}

// TestBrowserScripts checks the page's own JavaScript in Chromium: the KQL
// tokenizer, positions with characters outside the BMP, CSV export,
// escaping, completion and Show SQL.
func TestBrowserScripts(t *testing.T) {
	ctx, cancel := webtest.NewBrowser(t)
	defer cancel()
	srv := httptest.NewServer(New(&fakeRunner{}, sampleRules(), Config{}))
	defer srv.Close()

	type tok [2]string
	var got struct {
		Tokens   [][]tok
		Index    int
		CSV      string
		HTML     string
		ErrSpan  []int
		Compl    []string
		Funcs    []string
		Accepted string
		SQL      string
	}
	script := `(() => {
	  const q = window.quarry;
	  const toks = (s) => q.tokens(s).filter(([k, t]) => t.trim() !== "");
	  return {
	    Tokens: [
	      toks('T | project-away A // note'),
	      toks('where s == "a\\"b" and t == @"c:\\x"'),
	      toks("extend d = ago(1d), x = h'secret', n = 1.5e3"),
	    ],
	    Index: q.indexOfPosition("ab\n\u{1F600}x", 2, 2),
	    CSV: q.toCSV([{name: "a"}, {name: "b"}], [["x,y", null], ['q"', {k: 1}]]),
	    HTML: q.highlight('"<b>" | where'),
	    ErrSpan: q.errorSpan("T | summarize count() by", 4),
	  };
	})()`
	err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL+"/console"),
		chromedp.WaitVisible("#editor", chromedp.ByQuery),
		chromedp.Evaluate(script, &got),
	)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]tok{
		{{"ident", "T"}, {"pipe", "|"}, {"keyword", "project-away"}, {"ident", "A"}, {"comment", "// note"}},
		{{"keyword", "where"}, {"ident", "s"}, {"op", "=="}, {"string", `"a\"b"`}, {"keyword", "and"}, {"ident", "t"}, {"op", "=="}, {"string", `@"c:\x"`}},
		{{"keyword", "extend"}, {"ident", "d"}, {"op", "="}, {"function", "ago"}, {"op", "("}, {"number", "1d"}, {"op", ")"}, {"op", ","},
			{"ident", "x"}, {"op", "="}, {"string", "h'secret'"}, {"op", ","}, {"ident", "n"}, {"op", "="}, {"number", "1.5e3"}},
	}
	for i := range want {
		if fmt.Sprint(got.Tokens[i]) != fmt.Sprint(want[i]) {
			t.Errorf("tokens %d:\n got %v\nwant %v", i, got.Tokens[i], want[i])
		}
	}
	if got.Index != 5 { // "ab\n" is 3 units, the emoji 2
		t.Errorf("indexOfPosition(line 2, column 2) = %d, want 5", got.Index)
	}
	if got.CSV != "a,b\r\n\"x,y\",\r\n\"q\"\"\",\"{\"\"k\"\":1}\"\r\n" {
		t.Errorf("CSV %q", got.CSV)
	}
	if strings.Contains(got.HTML, "<b>") || !strings.Contains(got.HTML, "&lt;b&gt;") || !strings.Contains(got.HTML, `<span class="t-keyword">where</span>`) {
		t.Errorf("highlight %q", got.HTML)
	}
	if fmt.Sprint(got.ErrSpan) != "[4 13]" {
		t.Errorf("errorSpan at summarize = %v, want [4 13]", got.ErrSpan)
	}

	// completion: type the start of a table name, accept with Tab
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`document.getElementById("editor").value = ""`, nil),
		chromedp.Focus("#editor", chromedp.ByQuery),
		chromedp.SendKeys("#editor", "EmailE", chromedp.ByQuery),
		chromedp.WaitVisible("#completions .item", chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#completions .item")).map(e => e.textContent)`, &got.Compl),
		chromedp.SendKeys("#editor", "\t", chromedp.ByQuery),
		chromedp.Value("#editor", &got.Accepted, chromedp.ByQuery),
		// functions come from the compiler's catalog
		chromedp.SendKeys("#editor", " | summarize dcou", chromedp.ByQuery),
		chromedp.WaitVisible("#completions .item", chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#completions .item")).map(e => e.textContent)`, &got.Funcs),
		chromedp.Click("#explain", chromedp.ByQuery),
		chromedp.WaitVisible("#sql", chromedp.ByQuery),
		chromedp.Text("#sql", &got.SQL, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Compl) == 0 || got.Compl[0] != "EmailEvents" || got.Accepted != "EmailEvents" {
		t.Errorf("completion offered %v and accepted %q, want EmailEvents", got.Compl, got.Accepted)
	}
	if len(got.Funcs) == 0 || got.Funcs[0] != "dcount" {
		t.Errorf("completion after 'dcou' offered %v, want dcount first", got.Funcs)
	}
	if !strings.HasPrefix(got.SQL, "SELECT") {
		t.Errorf("Show SQL gave %q", got.SQL)
	}
}
