package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

func newTestServer(cfg Config) (*Server, *fakeRunner) {
	f := &fakeRunner{}
	return New(f, sampleRules(), cfg), f
}

// do runs one request against the handler, as from a loopback browser.
func do(t *testing.T, h http.Handler, method, target, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	req.Host = "127.0.0.1:8080"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	if hdr["Host"] != "" {
		req.Host = hdr["Host"]
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestFeedFiltersAndBadges(t *testing.T) {
	s, _ := newTestServer(Config{})
	cases := []struct {
		query string
		want  []string // rule ids, in order
	}{
		{"/", []string{"r3", "6b478186-da3b-4d71-beaa-aa5b42908499", "r2"}}, // by name, case-folded
		{"/?technique=T1566", []string{"6b478186-da3b-4d71-beaa-aa5b42908499", "r2"}},
		{"/?technique=t1566.001", []string{"r2"}},
		{"/?tactic=Initial+access&runnable=yes", []string{"6b478186-da3b-4d71-beaa-aa5b42908499"}},
		{"/?runnable=no&sort=severity", []string{"r2", "r3"}},
		{"/?table=EmailEvents", []string{"6b478186-da3b-4d71-beaa-aa5b42908499"}},
		{"/?severity=low", []string{"r3"}},
		{"/?source=Azure-Sentinel", []string{"6b478186-da3b-4d71-beaa-aa5b42908499", "r2"}},
		{"/?source=pack", []string{"r3"}},
		{"/?q=INTRA-ORG+emails", []string{"6b478186-da3b-4d71-beaa-aa5b42908499"}},
		{"/?q=nothing-matches-this", nil},
	}
	idRE := regexp.MustCompile(`data-id="([^"]+)"`)
	for _, c := range cases {
		rec := do(t, s, "GET", c.query, "", nil)
		if rec.Code != 200 {
			t.Fatalf("%s: status %d", c.query, rec.Code)
		}
		var got []string
		for _, m := range idRE.FindAllStringSubmatch(rec.Body.String(), -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: rules %v, want %v", c.query, got, c.want)
		}
	}
	body := do(t, s, "GET", "/?technique=T1566", "", nil).Body.String()
	for _, want := range []string{">kql<", ">MEDIUM<", ">Azure-Sentinel<", ">T1566<", ">EmailEvents<", ">hunting<", ">microsoft<", ">official<", "2 of 3 rules"} {
		if !strings.Contains(body, want) {
			t.Errorf("feed lacks badge %q", want)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("a rule name reached the page unescaped")
	}
}

func TestRulePageSections(t *testing.T) {
	s, _ := newTestServer(Config{})
	rec := do(t, s, "GET", "/rules/6b478186-da3b-4d71-beaa-aa5b42908499", "", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		"Back to SOC feed", `href="/coverage"`,
		"enriched with AI — validate before production", "Retrieved: 2026-11-20 08:30 UTC", "Confidence: medium",
		"<h2>Hunt Hypothesis</h2>", "Phishing campaigns show up",
		`id="rule-kql"`, "summarize total=count() by EmailDirection",
		"<h2>Analytic Rule Definition</h2>", "id: 6b478186",
		"<h2>Required Data Sources</h2>", `<td>EmailEvents</td><td class="ok">present (9000 rows in the last 30d)</td><td>connector MicrosoftThreatProtection</td>`,
		"<h2>MITRE ATT&amp;CK</h2>", `href="https://attack.mitre.org/techniques/T1566"`, "Phishing", "Tactic <a href=\"https://attack.mitre.org/tactics/TA0001\"", "Initial Access",
		"<h2>References</h2>", "<h2>False Positive Guidance</h2>", "Newsletters and marketing bursts.",
		`id="original-link"`, "https://github.com/Azure/Azure-Sentinel/blob/0ad0c9c/", `id="run"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("rule page lacks %q", want)
		}
	}
	// a rule that cannot run says why, and an absent table is marked
	body = do(t, s, "GET", "/rules/r2", "", nil).Body.String()
	for _, want := range []string{"Not runnable on this store", "table EmailAttachmentInfo holds no rows in the last 30d", `<td>EmailAttachmentInfo</td><td class="no">absent</td><td>holds no rows in the last 30d</td>`, "&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("rule r2 page lacks %q", want)
		}
	}
	if rec := do(t, s, "GET", "/rules/nope", "", nil); rec.Code != 404 || !strings.Contains(rec.Body.String(), `no rule with id &#34;nope&#34;`) {
		t.Errorf("unknown rule: %d %s", rec.Code, rec.Body.String())
	}
}

func TestAPIRulesAndCoverage(t *testing.T) {
	s, _ := newTestServer(Config{})
	rec := do(t, s, "GET", "/api/rules?technique=T1566&sort=severity", "", nil)
	var list []ruleSummary
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err, rec.Body.String())
	}
	if len(list) != 2 || list[0].ID != "r2" || list[1].Name != "Mailflow by directionality" || !list[1].Runnable || list[1].Source != "Azure-Sentinel" {
		t.Fatalf("GET /api/rules: %+v", list)
	}
	rec = do(t, s, "GET", "/api/rules/6b478186-da3b-4d71-beaa-aa5b42908499", "", nil)
	var one map[string]any
	json.Unmarshal(rec.Body.Bytes(), &one)
	rule, _ := one["rule"].(map[string]any)
	status, _ := one["status"].(map[string]any)
	if rule["name"] != "Mailflow by directionality" || rule["query"] != mailflowQuery || status["runnable"] != true || fmt.Sprint(one["references"]) != "[https://attack.mitre.org/techniques/T1566]" {
		t.Errorf("GET /api/rules/{id}: %v", one)
	}
	if rec := do(t, s, "GET", "/api/rules/nope", "", nil); rec.Code != 404 {
		t.Errorf("unknown rule: %d", rec.Code)
	}
	rec = do(t, s, "GET", "/api/coverage", "", nil)
	var cov struct {
		Rules, Runnable int
		Tactics         []struct {
			ID, Name   string
			Techniques []struct {
				ID       string
				Runnable int
				Rules    []struct{ ID string }
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &cov); err != nil {
		t.Fatal(err)
	}
	if cov.Rules != 3 || cov.Runnable != 1 {
		t.Errorf("coverage counts %d rules, %d runnable; want 3 and 1", cov.Rules, cov.Runnable)
	}
	cells := map[string]string{}
	for _, tac := range cov.Tactics {
		for _, tech := range tac.Techniques {
			cells[tac.Name+"/"+tech.ID] = fmt.Sprintf("%d/%d", len(tech.Rules), tech.Runnable)
		}
	}
	if cells["Initial Access/T1566"] != "1/1" {
		t.Errorf("coverage cells %v, want Initial Access/T1566 claimed by 1 rule, 1 runnable", cells)
	}
	page := do(t, s, "GET", "/coverage", "", nil).Body.String()
	for _, want := range []string{`data-technique="T1566"`, `href="/rules/6b478186-da3b-4d71-beaa-aa5b42908499"`, `href="/?technique=T1566"`, "1 / 1", "Initial Access", "3 rules, 1 runnable"} {
		if !strings.Contains(page, want) {
			t.Errorf("coverage page lacks %q", want)
		}
	}
}

func TestAPIQuery(t *testing.T) {
	s, f := newTestServer(Config{MaxRows: 5, QueryTimeout: 3 * time.Second})
	rec := do(t, s, "POST", "/api/query", `{"query":"EmailEvents | take 1","chart":true}`, nil)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	var res struct {
		Columns     []apiColumn
		Rows        [][]any
		RowCount, _ int
		Truncated   bool
		Chart       *apiChart
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Columns) != 4 || res.Columns[2] != (apiColumn{"Timestamp", "datetime"}) || res.Columns[3].Type != "long" {
		t.Errorf("columns %+v", res.Columns)
	}
	if res.RowCount != 5 || !res.Truncated || f.lastOpt.MaxRows != 5 || f.lastOpt.Timeout != 3*time.Second {
		t.Errorf("row cap: %d rows, truncated %v, runner got %+v", res.RowCount, res.Truncated, f.lastOpt)
	}
	if got := res.Rows[0]; got[0] != "Inbound" || got[2] != "2026-10-02T00:00:00Z" || got[3] != 10.0 {
		t.Errorf("first row %v, want Inbound, 2026-10-02T00:00:00Z, 10", got)
	}
	if res.Chart == nil || !res.Chart.Default || !strings.HasPrefix(res.Chart.SVG, "<svg") || !strings.Contains(res.Chart.SVG, `data-kind="columnchart stacked"`) {
		t.Errorf("default chart missing: %+v", res.Chart)
	}
	// a lower per-request cap and the render operator's chart
	rec = do(t, s, "POST", "/api/query", `{"query":"T | render piechart","chart":true,"maxRows":2}`, nil)
	var res2 queryResponse
	json.Unmarshal(rec.Body.Bytes(), &res2)
	if res2.RowCount != 2 || res2.Render == nil || res2.Render.Kind != "piechart" || res2.Chart == nil || res2.Chart.Default || !strings.Contains(res2.Chart.SVG, `data-kind="piechart"`) {
		t.Errorf("render piechart: %+v", res2)
	}
	if strings.Contains(rec.Body.String(), "<b>x</b>") {
		t.Error("a data value reached the SVG as markup")
	}
}

// TestAPIQueryAnomalychart: the console's query API draws render
// anomalychart from make-series columns: one mark per non-zero flag,
// spikes and dips apart, a legend naming them, and the rows keep their
// arrays.
func TestAPIQueryAnomalychart(t *testing.T) {
	s, _ := newTestServer(Config{})
	body, _ := json.Marshal(map[string]any{"query": anomalyQuery, "chart": true})
	rec := do(t, s, "POST", "/api/query", string(body), nil)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	var res queryResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Render == nil || res.Render.Kind != "anomalychart" || res.Render.Props["anomalycolumns"] != "anomalies" {
		t.Errorf("render %+v", res.Render)
	}
	if res.Chart == nil || res.Chart.Error != "" || res.Chart.Default {
		t.Fatalf("chart %+v", res.Chart)
	}
	svg := res.Chart.SVG
	up, down := 0, 0
	for _, f := range anomalyFlags {
		switch {
		case f > 0:
			up++
		case f < 0:
			down++
		}
	}
	if got := strings.Count(svg, `class="anomaly up"`); got != up {
		t.Errorf("%d spike marks, want %d", got, up)
	}
	if got := strings.Count(svg, `class="anomaly down"`); got != down {
		t.Errorf("%d dip marks, want %d", got, down)
	}
	for _, want := range []string{`data-kind="anomalychart"`, ">anomalies +1 (up)<", ">anomalies -1 (down)<", ">TS1:num<", ">TS1:baseline<", "Web app. traffic of a month, anomalies"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %s", want)
		}
	}
	if arr, ok := res.Rows[0][3].([]any); !ok || len(arr) != len(anomalyFlags) {
		t.Errorf("the anomalies cell is %v, want the array", res.Rows[0][3])
	}
}

func TestAPIQueryErrors(t *testing.T) {
	s, _ := newTestServer(Config{QueryTimeout: 100 * time.Millisecond, MaxBody: 1024})
	rec := do(t, s, "POST", "/api/query", `{"query":"EmailEvents\n| broken"}`, nil)
	var e apiError
	json.Unmarshal(rec.Body.Bytes(), &e)
	if rec.Code != 400 || len(e.Diagnostics) != 1 || e.Diagnostics[0].Line != 2 || e.Diagnostics[0].Column != 3 || e.Diagnostics[0].Offset != 14 ||
		!strings.Contains(e.Error, "2:3: expected an operator") {
		t.Errorf("compile error: %d %s", rec.Code, rec.Body.String())
	}
	cases := []struct {
		body   string
		hdr    map[string]string
		status int
		want   string
	}{
		{`{"query":"slow"}`, nil, 504, "ran longer than 100ms"},
		{`{"query":""}`, nil, 400, `needs a \"query\"`},
		{`{"query":"x","extra":1}`, nil, 400, "unknown field"},
		{`{"query":`, nil, 400, "bad JSON body"},
		{`query=x`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 400, "Content-Type: application/json"},
		{`{"query":"` + strings.Repeat("x", 2000) + `"}`, nil, 413, "larger than 1024 bytes"},
	}
	for _, c := range cases {
		rec := do(t, s, "POST", "/api/query", c.body, c.hdr)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%.40s: %d %s, want %d %q", c.body, rec.Code, rec.Body.String(), c.status, c.want)
		}
	}
	rec = do(t, s, "POST", "/api/explain", `{"query":"EmailEvents | take 1"}`, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `SELECT \"EmailDirection\"`) {
		t.Errorf("explain: %d %s", rec.Code, rec.Body.String())
	}
	if rec := do(t, s, "GET", "/api/query", "", nil); rec.Code != 405 {
		t.Errorf("GET /api/query: %d, want 405", rec.Code)
	}
	if rec := do(t, s, "GET", "/api/nothing", "", nil); rec.Code != 404 || !strings.Contains(rec.Body.String(), "openapi.json") {
		t.Errorf("unknown API path: %d %s", rec.Code, rec.Body.String())
	}
}

func TestSecurity(t *testing.T) {
	loop, _ := newTestServer(Config{})
	query := `{"query":"EmailEvents"}`
	cases := []struct {
		name   string
		srv    *Server
		method string
		target string
		body   string
		hdr    map[string]string
		status int
	}{
		{"loopback host", loop, "GET", "/", "", map[string]string{"Host": "localhost:8080"}, 200},
		{"ipv6 loopback host", loop, "GET", "/", "", map[string]string{"Host": "[::1]:8080"}, 200},
		{"DNS rebinding host", loop, "GET", "/api/rules", "", map[string]string{"Host": "evil.example:8080"}, 421},
		{"same-origin POST", loop, "POST", "/api/query", query, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://127.0.0.1:8080"}, 200},
		{"script POST without browser headers", loop, "POST", "/api/query", query, nil, 200},
		{"cross-site POST", loop, "POST", "/api/query", query, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, 403},
		{"cross-origin POST, old browser", loop, "POST", "/api/query", query, map[string]string{"Origin": "http://evil.example"}, 403},
	}
	tok, _ := newTestServer(Config{Token: "s3cret-token"})
	cases = append(cases, []struct {
		name   string
		srv    *Server
		method string
		target string
		body   string
		hdr    map[string]string
		status int
	}{
		{"no token", tok, "GET", "/api/rules", "", nil, 401},
		{"wrong token", tok, "GET", "/api/rules", "", map[string]string{"Authorization": "Bearer s3cret-tokeN"}, 401},
		{"prefix of token", tok, "GET", "/api/rules", "", map[string]string{"Authorization": "Bearer s3cret"}, 401},
		{"bearer token", tok, "GET", "/api/rules", "", map[string]string{"Authorization": "Bearer s3cret-token", "Host": "10.1.2.3:8080"}, 200},
		{"cookie token", tok, "POST", "/api/query", query, map[string]string{"Cookie": "quarry_token=s3cret-token", "Host": "10.1.2.3:8080"}, 200},
		{"wrong ?token", tok, "GET", "/?token=nope", "", nil, 401},
		{"link with token", tok, "GET", "/console?token=s3cret-token&q=x", "", nil, 303},
	}...)
	for _, c := range cases {
		rec := do(t, c.srv, c.method, c.target, c.body, c.hdr)
		if rec.Code != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, rec.Code, c.status, rec.Body.String())
		}
	}
	rec := do(t, tok, "GET", "/console?token=s3cret-token&q=x", "", nil)
	if loc := rec.Header().Get("Location"); loc != "/console?q=x" {
		t.Errorf("redirect to %q, want the token dropped", loc)
	}
	if c := rec.Header().Get("Set-Cookie"); !strings.Contains(c, "quarry_token=s3cret-token") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") {
		t.Errorf("cookie %q", c)
	}
	rec = do(t, loop, "GET", "/", "", nil)
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("security headers: %v", rec.Header())
	}
}

func TestTokensAndAddresses(t *testing.T) {
	a, b := NewToken(), NewToken()
	if len(a) < 40 || a == b {
		t.Errorf("tokens %q %q", a, b)
	}
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:1": true, "[::1]:80": true, "127.8.9.1:80": true,
		":8080": false, "0.0.0.0:8080": false, "192.168.1.5:80": false, "[::]:80": false, "example.com:80": false, "nonsense": false,
	} {
		if IsLoopback(addr) != want {
			t.Errorf("IsLoopback(%q) = %v", addr, !want)
		}
	}
}

func TestOpenAPIListsEveryEndpoint(t *testing.T) {
	s, _ := newTestServer(Config{})
	rec := do(t, s, "GET", "/api/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	for _, ep := range []struct{ method, path string }{
		{"get", "/api/rules"}, {"get", "/api/rules/{id}"}, {"post", "/api/query"}, {"get", "/api/coverage"},
		{"post", "/api/explain"}, {"get", "/api/tables"}, {"get", "/api/functions"}, {"get", "/api/openapi.json"},
	} {
		if doc.Paths[ep.path][ep.method] == nil {
			t.Errorf("openapi.json lacks %s %s", ep.method, ep.path)
		}
		// and the server answers it
		target := strings.Replace(ep.path, "{id}", "r2", 1)
		body := ""
		if ep.method == "post" {
			body = `{"query":"EmailEvents"}`
		}
		if rec := do(t, s, strings.ToUpper(ep.method), target, body, nil); rec.Code != 200 {
			t.Errorf("%s %s: %d", ep.method, target, rec.Code)
		}
	}
}

func TestStaticAssetsAreEmbedded(t *testing.T) {
	s, _ := newTestServer(Config{})
	for path, want := range map[string]string{"/static/app.js": "function highlight", "/static/app.css": ".err-mark"} {
		rec := do(t, s, "GET", path, "", nil)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
	rec := do(t, s, "GET", "/console?q=StormEvents+%7C+take+3", "", nil)
	if !strings.Contains(rec.Body.String(), "StormEvents | take 3</textarea>") {
		t.Error("console does not prefill ?q=")
	}
}

func TestAPITablesAndFunctions(t *testing.T) {
	s, _ := newTestServer(Config{})
	var tabs []apiTable
	json.Unmarshal(do(t, s, "GET", "/api/tables", "", nil).Body.Bytes(), &tabs)
	stored := map[string]bool{}
	for _, tb := range tabs {
		stored[tb.Name] = tb.Stored
	}
	if v, ok := stored["EmailEvents"]; !ok || !v || stored["UrlClickEvents"] {
		t.Errorf("tables: %v, want EmailEvents stored and UrlClickEvents built-in only", stored)
	}
	var fns []apiFunction
	json.Unmarshal(do(t, s, "GET", "/api/functions", "", nil).Body.Bytes(), &fns)
	kinds := map[string]string{}
	for _, f := range fns {
		kinds[f.Name] = f.Kind
	}
	if kinds["bin"] != "scalar" || kinds["dcount"] != "aggregate" || kinds["substring"] != "scalar" {
		t.Errorf("functions: bin %q, dcount %q, substring %q (of %d)", kinds["bin"], kinds["dcount"], kinds["substring"], len(fns))
	}
}
