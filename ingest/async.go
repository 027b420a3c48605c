package ingest

import (
	"sync"
	"sync/atomic"

	"github.com/quarry-kql/quarry/ingest/defender"
	"github.com/quarry-kql/quarry/schema"
)

// asyncSink runs the writer (DuckDB appends and commits) in its own
// goroutine, so that parsing and writing overlap. Calls are queued in
// order and applied in order; the first error the writer meets is
// returned by the next Emit or Reject and by close.
type asyncSink struct {
	w     *writer
	ch    chan []aop
	buf   []aop
	done  chan struct{}
	mu    sync.Mutex
	err   error
	acks  chan struct{}
	vpool sync.Pool
	// offset reads the parser's position (in the parser's goroutine); pos
	// publishes it to the progress bar.
	offset  func() int64
	pos     atomic.Int64
	records int64
	// rows counts the block rows in buf.
	rows int
}

type aop struct {
	kind   byte // 'e' Emit, 'b' EmitBlock, 'c' Record, 'r' Reject, 'k' Skip, 's' Safe, 'f' Flushing, 'y' sync
	t      *schema.Table
	blk    *defender.Block
	from   int
	to     int
	vals   []any
	n      int64
	line   int64
	reason string
}

const aopBatch = 512

// blockRows is how many rows of blocks are queued before they are handed
// to the writer: blocks hold thousands of rows, so they are sent soon.
const blockRows = 2048

func newAsyncSink(w *writer) *asyncSink {
	a := &asyncSink{w: w, ch: make(chan []aop, 8), done: make(chan struct{}), acks: make(chan struct{})}
	go a.run()
	return a
}

func (a *asyncSink) run() {
	defer close(a.done)
	for ops := range a.ch {
		for i := range ops {
			o := &ops[i]
			if a.failed() != nil {
				switch o.kind {
				case 'y':
					a.acks <- struct{}{}
				case 'b':
					o.blk.Release()
				}
				continue
			}
			var err error
			switch o.kind {
			case 'e':
				err = a.w.Emit(o.t, o.vals)
				a.vpool.Put(o.vals[:0])
			case 'b':
				err = a.w.EmitBlock(o.blk, o.from, o.to)
			case 'c':
				a.w.Record()
			case 'r':
				err = a.w.Reject(o.n, o.reason)
			case 'k':
				a.w.Skip()
			case 's':
				a.w.safeAt(o.n, o.line)
			case 'f':
				a.w.Flushing()
			case 'y':
				a.acks <- struct{}{}
			}
			if err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
	}
}

func (a *asyncSink) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func (a *asyncSink) push(o aop) {
	a.buf = append(a.buf, o)
	if len(a.buf) >= aopBatch || a.rows >= blockRows {
		a.ch <- a.buf
		a.buf = make([]aop, 0, aopBatch)
		a.rows = 0
	}
}

// sync waits until every queued call has been applied.
func (a *asyncSink) sync() error {
	a.buf = append(a.buf, aop{kind: 'y'})
	a.ch <- a.buf
	a.buf = make([]aop, 0, aopBatch)
	a.rows = 0
	<-a.acks
	return a.failed()
}

// close applies what is queued and stops the goroutine.
func (a *asyncSink) close() error {
	if len(a.buf) > 0 {
		a.ch <- a.buf
		a.buf = nil
	}
	close(a.ch)
	<-a.done
	return a.failed()
}

// Emit implements source.Sink.
func (a *asyncSink) Emit(t *schema.Table, vals []any) error {
	v, _ := a.vpool.Get().([]any)
	a.push(aop{kind: 'e', t: t, vals: append(v, vals...)})
	return a.failed()
}

// EmitBlock implements defender.BlockSink.
func (a *asyncSink) EmitBlock(b *defender.Block, from, to int) error {
	a.records += int64(to - from)
	for r := to - 1; r >= from; r-- {
		if m := b.Meta[r]; m.Safe {
			a.pos.Store(m.Off)
			break
		}
	}
	a.rows += to - from
	a.push(aop{kind: 'b', blk: b, from: from, to: to})
	return a.failed()
}

// Record implements source.Sink.
func (a *asyncSink) Record() {
	a.push(aop{kind: 'c'})
	a.records++
	if a.records&4095 == 0 && a.offset != nil {
		a.pos.Store(a.offset())
	}
}

// Reject implements source.Sink.
func (a *asyncSink) Reject(line int64, reason string) error {
	a.push(aop{kind: 'r', n: line, reason: reason})
	return a.failed()
}

// Skip implements source.Sink.
func (a *asyncSink) Skip() { a.push(aop{kind: 'k'}) }

// Safe implements source.Sink.
func (a *asyncSink) Safe(off, line int64) { a.push(aop{kind: 's', n: off, line: line}) }

// Flushing implements source.Sink.
func (a *asyncSink) Flushing() { a.push(aop{kind: 'f'}) }

// Existing implements source.Schemas.
func (a *asyncSink) Existing(name string) (*schema.Table, bool, error) {
	if err := a.sync(); err != nil {
		return nil, false, err
	}
	return a.w.Existing(name)
}

// AddColumns implements source.Schemas.
func (a *asyncSink) AddColumns(t *schema.Table, cols []schema.Column) error {
	if err := a.sync(); err != nil {
		return err
	}
	return a.w.AddColumns(t, cols)
}
