package defender

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/quarry-kql/quarry/ingest/source"
	"github.com/quarry-kql/quarry/schema"
)

// The streaming JSON reader parses in parallel: the reading goroutine cuts
// the input into chunks of lines, workers run the fast path on them and
// record what they would tell the sink, and the reading goroutine replays
// those records to the sink in input order. Lines the fast path cannot
// take (invalid JSON, categories without a built-in table) are handled
// in order by the reading goroutine itself, so the output is the same as
// a sequential run's.

// op is one recorded sink call.
type op struct {
	kind   byte // 'e' Emit, 'r' Reject, 'c' Record, 'k' Skip, 's' Safe, 'l' handle line here
	t      *schema.Table
	vals   []any
	line   int64
	reason string
	off    int64
	raw    []byte
	trunc  bool
}

type lineRef struct {
	no, off    int64
	start, end int // in chunk.buf
	trunc      bool
	tooLong    bool
}

type chunk struct {
	seq   int
	buf   []byte
	lines []lineRef
	ops   []op
	slab  []any
	done  chan struct{}
}

// chunks keeps the chunks replayed, to be filled again: their buffers are
// large and allocating them per chunk cost more than parsing.
var chunks = sync.Pool{New: func() any { return &chunk{buf: make([]byte, 0, chunkBytes+4096)} }}

func newChunk(seq int) *chunk {
	c := chunks.Get().(*chunk)
	c.seq, c.done = seq, make(chan struct{})
	return c
}

// release returns a replayed chunk to the pool; nothing refers to its
// buffer or values any more (the sink copies what it keeps).
func (c *chunk) release() {
	if cap(c.buf) > 4*chunkBytes {
		return // made for a very long line
	}
	clear(c.slab)
	clear(c.ops)
	c.buf, c.lines, c.ops, c.slab = c.buf[:0], c.lines[:0], c.ops[:0], c.slab[:0]
	chunks.Put(c)
}

// recorder is the workers' sink: it records calls as ops.
type recorder struct {
	ops *[]op
	// slab holds the recorded rows' values, so that a chunk's rows take
	// one allocation that is reused with the chunk.
	slab *[]any
}

func (r recorder) Emit(t *schema.Table, vals []any) error {
	s := *r.slab
	if len(s)+len(vals) > cap(s) {
		// A new slab: rows recorded before keep the old one.
		s = make([]any, 0, max(4096*len(vals), len(vals)))
	}
	n := len(s)
	s = append(s, vals...)
	*r.slab = s
	*r.ops = append(*r.ops, op{kind: 'e', t: t, vals: s[n:len(s):len(s)]})
	return nil
}
func (r recorder) Record() { *r.ops = append(*r.ops, op{kind: 'c'}) }
func (r recorder) Reject(line int64, reason string) error {
	*r.ops = append(*r.ops, op{kind: 'r', line: line, reason: reason})
	return nil
}
func (r recorder) Skip()                { *r.ops = append(*r.ops, op{kind: 'k'}) }
func (r recorder) Safe(off, line int64) { *r.ops = append(*r.ops, op{kind: 's', off: off, line: line}) }
func (r recorder) Flushing()            {}

const chunkBytes = 1 << 20

func (c *chunk) work(s *streamState) {
	rec := recorder{ops: &c.ops, slab: &c.slab}
	s.out = rec
	for _, l := range c.lines {
		if l.tooLong {
			rec.Reject(l.no, fmt.Sprintf("line longer than %d bytes", source.DefaultMaxLine))
			continue
		}
		line := bytes.TrimSpace(c.buf[l.start:l.end])
		if len(line) == 0 {
			rec.Skip()
			rec.Safe(l.off, l.no)
			continue
		}
		mark := len(c.ops)
		ok, _ := s.fastLine(l.no, line)
		if !ok {
			c.ops = c.ops[:mark]
			c.ops = append(c.ops, op{kind: 'l', line: l.no, raw: line, trunc: l.trunc})
		}
		c.ops = append(c.ops, op{kind: 's', off: l.off, line: l.no})
	}
}

func parseParallel(ctx context.Context, in *source.Lines, out source.Sink, cfg source.Config) error {
	workers := runtime.GOMAXPROCS(0)
	main := &streamState{cfg: cfg, out: out, tables: map[string]*table{}}
	todo := make(chan *chunk, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &streamState{cfg: cfg, tables: map[string]*table{}, worker: true}
			for c := range todo {
				c.work(s)
				close(c.done)
			}
		}()
	}
	// pending holds chunks in input order; at most 2*workers in flight.
	pending := make(chan *chunk, 2*workers)
	errc := make(chan error, 1)
	var replayWG sync.WaitGroup
	replayWG.Add(1)
	go func() {
		defer replayWG.Done()
		var err error
		for c := range pending {
			<-c.done
			if err == nil {
				err = replay(main, c)
			}
		}
		errc <- err
	}()
	seq := 0
	cur := newChunk(0)
	send := func() {
		if len(cur.lines) == 0 {
			return
		}
		pending <- cur
		todo <- cur
		seq++
		cur = newChunk(seq)
	}
	var rerr error
	n := 0
	for in.Next() {
		n++
		if n&1023 == 0 && ctx.Err() != nil {
			rerr = ctx.Err()
			break
		}
		b := in.Bytes()
		start := len(cur.buf)
		cur.buf = append(cur.buf, b...)
		cur.lines = append(cur.lines, lineRef{no: in.No(), off: in.Offset(), start: start, end: len(cur.buf),
			trunc: in.Truncated(), tooLong: in.TooLong()})
		if len(cur.buf) >= chunkBytes || len(cur.lines) >= 4096 {
			send()
		}
	}
	send()
	close(todo)
	close(pending)
	wg.Wait()
	replayWG.Wait()
	if err := <-errc; err != nil {
		return err
	}
	return rerr
}

// replay applies a chunk's recorded calls to the real sink, handling the
// lines the workers handed back.
func replay(s *streamState, c *chunk) error {
	out := s.out
	for i := range c.ops {
		o := &c.ops[i]
		var err error
		switch o.kind {
		case 'e':
			err = out.Emit(o.t, o.vals)
		case 'r':
			err = out.Reject(o.line, o.reason)
		case 'c':
			out.Record()
		case 'k':
			out.Skip()
		case 's':
			out.Safe(o.off, o.line)
		case 'l':
			if ok, ferr := s.fastLine(o.line, o.raw); ferr != nil {
				err = ferr
			} else if !ok {
				err = s.line(o.line, o.raw, o.trunc)
			}
		}
		if err != nil {
			return err
		}
	}
	c.release()
	return nil
}
