// Package web is quarry's local web application, served by `quarry serve`:
// the SOC feed of rules, the rule pages, the KQL query console with its
// results grid and charts, the ATT&CK coverage page, and the JSON API with
// its OpenAPI description. It holds the HTTP side only: queries come
// through the QueryRunner interface and rules through RuleSource (rule
// pages as package enrich builds them, with package attack's data for the
// coverage matrix), so the package is tested with fakes and wired to the
// engine and the rule catalog by cmd/quarry.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/chart"
	"github.com/quarry-kql/quarry/schema"
	"github.com/quarry-kql/quarry/store"
)

// QueryRunner runs KQL for the console and the API: the engine, adapted.
type QueryRunner interface {
	// Query compiles and runs kql. Compile errors should be (or wrap) a
	// diag.List or diag.Diagnostic so the console can underline them.
	Query(ctx context.Context, kql string, opt QueryOptions) (*Result, error)
	// Explain returns the SQL kql compiles to.
	Explain(kql string) (string, error)
	// Catalog gives the tables a query can read (for the console's
	// completion) and which of them are stored (the rule pages' "present
	// in this store").
	Catalog(ctx context.Context) (*store.Catalog, error)
}

// QueryOptions are the limits the server puts on one query.
type QueryOptions struct {
	MaxRows int
	Timeout time.Duration
}

// Result is a query result as the server needs it (engine.Result's shape).
type Result struct {
	Columns   []schema.Column
	Rows      [][]any
	Render    *chart.Spec
	Truncated bool
}

// Config tunes a Server. The zero value of each field takes its default.
type Config struct {
	// Token, when not empty, is required on every request (Authorization:
	// Bearer, the quarry_token cookie, or ?token= once on a page, which
	// sets the cookie). cmd/quarry sets one whenever the address is not
	// loopback. Without a token the server answers only Host names that
	// are loopback (localhost, 127.0.0.1, [::1]), which defeats DNS
	// rebinding against a loopback server.
	Token string
	// QueryTimeout bounds one query (default 30s).
	QueryTimeout time.Duration
	// MaxRows caps the rows a query returns (default 10,000).
	MaxRows int
	// MaxBody caps a request body in bytes (default 256 KiB).
	MaxBody int64
	// MaxConcurrent is how many queries run at once; the others wait their
	// turn within their timeout (default 4).
	MaxConcurrent int
}

// Server is the web application. It is an http.Handler.
type Server struct {
	cfg     Config
	queries QueryRunner
	rules   RuleSource
	mux     *http.ServeMux
	handler http.Handler
	slots   chan struct{}
	tokenH  [32]byte
}

// New returns a server over the given sources. rs may be nil: the feed
// then says that no rule catalog is loaded.
func New(q QueryRunner, rs RuleSource, cfg Config) *Server {
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = 30 * time.Second
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = 10000
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 256 << 10
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 4
	}
	s := &Server{cfg: cfg, queries: q, rules: rs, mux: http.NewServeMux(), slots: make(chan struct{}, cfg.MaxConcurrent)}
	if cfg.Token != "" {
		s.tokenH = sha256.Sum256([]byte(cfg.Token))
	}
	s.routes()
	csrf := http.NewCrossOriginProtection()
	s.handler = s.guard(csrf.Handler(s.mux))
	return s
}

// NewToken returns a random access token (256 bits, URL-safe).
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// IsLoopback reports whether a listen address (host:port) binds only the
// loopback interface. An empty host means every interface.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ServeHTTP answers one request, after the access checks (see Config).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// tokenOK compares a presented token with the server's in constant time
// (both are hashed first, so neither length nor content leaks).
func (s *Server) tokenOK(presented string) bool {
	if presented == "" {
		return false
	}
	h := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(h[:], s.tokenH[:]) == 1
}

func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

const tokenCookie = "quarry_token"

// guard applies the access rules before any handler: security headers,
// the Host check, the token, and the body size limit.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		if s.cfg.Token == "" && !loopbackHost(r.Host) {
			http.Error(w, "quarry serves loopback host names only (start it with a token to serve others)", http.StatusMisdirectedRequest)
			return
		}
		if s.cfg.Token != "" {
			var presented string
			if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
				presented = strings.TrimPrefix(a, "Bearer ")
			} else if c, err := r.Cookie(tokenCookie); err == nil {
				presented = c.Value
			}
			if q := r.URL.Query().Get("token"); q != "" && r.Method == http.MethodGet && s.tokenOK(q) {
				// first visit from the printed link: keep the token in a
				// cookie and drop it from the address bar
				http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: q, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
				u := *r.URL
				qs := u.Query()
				qs.Del("token")
				u.RawQuery = qs.Encode()
				http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
				return
			}
			if !s.tokenOK(presented) {
				h.Set("WWW-Authenticate", `Bearer realm="quarry"`)
				writeError(w, http.StatusUnauthorized, errors.New("a token is required: open the link quarry serve printed, or send Authorization: Bearer <token>"))
				return
			}
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
		}
		next.ServeHTTP(w, r)
	})
}

// acquire waits for a query slot until ctx ends.
func (s *Server) acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("the server is busy: %w", ctx.Err())
	}
}
