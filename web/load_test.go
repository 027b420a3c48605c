package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/store"
)

// busyRunner returns 2,000 Mailflow-shaped rows after a short pause and
// records how many queries ran at once.
type busyRunner struct {
	fakeRunner
	running, peak atomic.Int32
}

func (b *busyRunner) Query(ctx context.Context, kql string, opt QueryOptions) (*Result, error) {
	n := b.running.Add(1)
	defer b.running.Add(-1)
	for {
		p := b.peak.Load()
		if n <= p || b.peak.CompareAndSwap(p, n) {
			break
		}
	}
	select {
	case <-time.After(3 * time.Millisecond):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	res := &Result{Columns: mailflowCols}
	base := mailflowRows()
	for i := 0; i < 2000; i++ {
		res.Rows = append(res.Rows, base[i%len(base)])
	}
	return res, nil
}

func (b *busyRunner) Catalog(ctx context.Context) (*store.Catalog, error) {
	return b.fakeRunner.Catalog(ctx)
}

// TestLoadConcurrentQueries sends 50 concurrent POST /api/query on
// loopback, twice: every answer must be complete and correct, at most
// MaxConcurrent queries may run at once, the goroutines must come back to
// their baseline, and the heap must not grow between the rounds.
func TestLoadConcurrentQueries(t *testing.T) {
	const clients = 50
	runtime.GC()
	baseGoroutines := runtime.NumGoroutine()

	runner := &busyRunner{}
	srv := httptest.NewServer(New(runner, sampleRules(), Config{MaxConcurrent: 4, QueryTimeout: 20 * time.Second}))
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxConnsPerHost: clients, MaxIdleConnsPerHost: clients}}

	round := func() (errs []string) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body := fmt.Sprintf(`{"query":"EmailEvents | take %d","chart":%v}`, i, i%5 == 0)
				resp, err := client.Post(srv.URL+"/api/query", "application/json", strings.NewReader(body))
				if err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
					return
				}
				defer resp.Body.Close()
				var out queryResponse
				err = json.NewDecoder(resp.Body).Decode(&out)
				if resp.StatusCode != 200 || err != nil || out.RowCount != 2000 || len(out.Rows) != 2000 || (i%5 == 0) != (out.Chart != nil) {
					mu.Lock()
					errs = append(errs, fmt.Sprintf("client %d: status %d, %d rows, decode %v", i, resp.StatusCode, out.RowCount, err))
					mu.Unlock()
				}
			}(i)
		}
		wg.Wait()
		return errs
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}

	start := time.Now()
	if errs := round(); len(errs) > 0 {
		t.Fatalf("%d of %d requests failed: %v", len(errs), clients, errs[:min(3, len(errs))])
	}
	first := time.Since(start)
	heap1 := heap()
	if errs := round(); len(errs) > 0 {
		t.Fatalf("second round: %d failed: %v", len(errs), errs[:min(3, len(errs))])
	}
	heap2 := heap()
	elapsed := time.Since(start)
	t.Logf("2×%d concurrent queries of 2,000 rows: first round %v, both %v; heap %d KiB then %d KiB; at most %d queries at once",
		clients, first.Round(time.Millisecond), elapsed.Round(time.Millisecond), heap1>>10, heap2>>10, runner.peak.Load())

	if p := runner.peak.Load(); p > 4 || p < 1 {
		t.Errorf("%d queries ran at once, want 1..4 (MaxConcurrent)", p)
	}
	if heap2 > heap1+16<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB between identical rounds", heap1>>10, heap2>>10)
	}
	if elapsed > 20*time.Second {
		t.Errorf("100 queries took %v", elapsed)
	}

	client.CloseIdleConnections()
	srv.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseGoroutines+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseGoroutines+2 {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after the server closed, %d before: leak?\n%s", n, baseGoroutines, buf[:runtime.Stack(buf, true)])
	}
}
