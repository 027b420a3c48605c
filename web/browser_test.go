package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/quarry-kql/quarry/web/webtest"
)

// TestBrowser drives the app in headless Chromium: the feed filtered for
// T1566, the Mailflow by directionality page run to a grid and a chart,
// and a broken query in the console underlined at its position.
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
