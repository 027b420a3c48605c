package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/enrich"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var templateFuncs = template.FuncMap{
	"join":     strings.Join,
	"lower":    strings.ToLower,
	"source":   enrich.SourceLabel,
	"runnable": runnable,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "unknown"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"list": func(s ...string) []string { return s },
}

var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"feed", "rule", "console", "coverage", "error"} {
		t := template.Must(template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/badges.html", "templates/"+name+".html"))
		out[name] = t
	}
	return out
}()

func (s *Server) routes() {
	m := s.mux
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /{$}", s.pageFeed)
	m.HandleFunc("GET /rules/{id}", s.pageRule)
	m.HandleFunc("GET /console", s.pageConsole)
	m.HandleFunc("GET /coverage", s.pageCoverage)
	m.HandleFunc("GET /api/rules", s.handleRules)
	m.HandleFunc("GET /api/rules/{id}", s.handleRule)
	m.HandleFunc("GET /api/coverage", s.handleCoverage)
	m.HandleFunc("GET /api/tables", s.handleTables)
	m.HandleFunc("GET /api/functions", s.handleFunctions)
	m.HandleFunc("/api/query", postOnly(s.handleQuery))
	m.HandleFunc("/api/explain", postOnly(s.handleExplain))
	m.HandleFunc("GET /api/openapi.json", s.handleOpenAPI)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeError(w, http.StatusNotFound, fmt.Errorf("no API endpoint %s %s (see /api/openapi.json)", r.Method, r.URL.Path))
			return
		}
		s.render(w, http.StatusNotFound, "error", pageData{Title: "Not found", Error: "There is no page at " + r.URL.Path + "."})
	})
}

// postOnly answers 405 to every method but POST.
func postOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("%s %s: use POST with a JSON body", r.Method, r.URL.Path))
			return
		}
		h(w, r)
	}
}

// pageData is what every template gets.
type pageData struct {
	Title  string
	Nav    string
	Error  string
	Filter Filter
	// feed
	Rules   []*enrich.Page
	Total   int
	Options map[string][]string
	// rule page
	Page       *enrich.Page
	Attack     []attackItem
	Sources    []dataSource
	References []string
	// console
	Query   string
	MaxRows int
	Timeout string
	// coverage
	Coverage *attack.Coverage
}

func (s *Server) render(w http.ResponseWriter, status int, name string, d pageData) {
	var buf bytes.Buffer
	if err := pages[name].Execute(&buf, d); err != nil {
		http.Error(w, "template: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) pageError(w http.ResponseWriter, status int, err error) {
	s.render(w, status, "error", pageData{Title: http.StatusText(status), Error: err.Error()})
}

// filterOptions lists the values each feed filter can take.
func filterOptions(all []*enrich.Page) map[string][]string {
	sets := map[string]map[string]bool{}
	add := func(k, v string) {
		if v == "" {
			return
		}
		if sets[k] == nil {
			sets[k] = map[string]bool{}
		}
		sets[k][v] = true
	}
	for _, p := range all {
		for _, t := range p.Tables() {
			add("table", t)
		}
		for _, t := range p.Rule.Tactics {
			add("tactic", t)
		}
		for _, t := range p.Rule.Techniques {
			add("technique", t)
		}
		add("severity", p.Rule.Severity)
		add("source", enrich.SourceLabel(p.Rule.Source.Repo))
	}
	out := map[string][]string{}
	for k, set := range sets {
		for v := range set {
			out[k] = append(out[k], v)
		}
		sort.Strings(out[k])
	}
	return out
}

func (s *Server) pageFeed(w http.ResponseWriter, r *http.Request) {
	all, err := s.allRules(r)
	if err != nil {
		s.pageError(w, http.StatusInternalServerError, err)
		return
	}
	f := filterFromQuery(r)
	s.render(w, http.StatusOK, "feed", pageData{
		Title: "SOC feed", Nav: "feed", Filter: f, Rules: f.Apply(all), Total: len(all), Options: filterOptions(all),
	})
}

func (s *Server) pageRule(w http.ResponseWriter, r *http.Request) {
	p, err := s.findRule(r, r.PathValue("id"))
	if err != nil {
		s.pageError(w, http.StatusInternalServerError, err)
		return
	}
	if p == nil {
		s.pageError(w, http.StatusNotFound, fmt.Errorf("no rule with id %q", r.PathValue("id")))
		return
	}
	present := map[string]bool{}
	if cat, err := s.queries.Catalog(r.Context()); err == nil {
		for _, t := range p.Tables() {
			present[t] = cat.Stored(t)
		}
		for _, t := range p.Rule.DeclaredTables() {
			present[t] = cat.Stored(t)
		}
	}
	s.render(w, http.StatusOK, "rule", pageData{
		Title: p.Rule.Name, Nav: "feed", Page: p, Attack: attackItems(p), Sources: dataSources(p, present),
		References: enrich.References(p.Rule, p.Attack),
	})
}

func (s *Server) pageConsole(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if q == "" {
		q = "EmailEvents\n| where Timestamp > ago(30d)\n| summarize total=count() by EmailDirection, bin(Timestamp, 1d)\n| render columnchart with (kind=stacked, title=\"Mail per day\")"
	}
	s.render(w, http.StatusOK, "console", pageData{Title: "Query console", Nav: "console", Query: q, MaxRows: s.cfg.MaxRows, Timeout: s.cfg.QueryTimeout.String()})
}

func (s *Server) pageCoverage(w http.ResponseWriter, r *http.Request) {
	cov, err := s.coverage(r)
	if err != nil {
		s.pageError(w, http.StatusInternalServerError, err)
		return
	}
	s.render(w, http.StatusOK, "coverage", pageData{Title: "ATT&CK coverage", Nav: "coverage", Coverage: cov})
}
