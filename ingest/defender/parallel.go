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
	kind     byte // 'b' rows of a block, 'e' Emit, 'c' Record, 'r' Reject, 'k' Skip, 's' Safe, 'l' handle line here
	blk      *Block
	from, to int
	t        *schema.Table
	vals     []any
	line     int64
	reason   string
	off      int64
	raw      []byte
	trunc    bool
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

// release returns a replayed chunk to the pool. Its blocks go back to
// theirs when the sink releases them.
func (c *chunk) release() {
	if cap(c.buf) > 4*chunkBytes {
		return // made for a very long line
	}
	clear(c.ops)
	c.buf, c.lines, c.ops = c.buf[:0], c.lines[:0], c.ops[:0]
	chunks.Put(c)
}

// recorder is the workers' sink: it records calls as ops. The fast path
// hands its rows over through row, into blocks, a run of rows of one
// block being one op; Emit and Record record the plain calls.
type recorder struct {
	ops *[]op
	// lines and bytes are the chunk's size, for sizing its blocks.
	lines, bytes int
}

// row records the row just added to b (with its Record call).
func (r *recorder) row(b *Block) {
	n := b.Rows() - 1
	ops := *r.ops
	if k := len(ops); k > 0 && ops[k-1].kind == 'b' && ops[k-1].blk == b && ops[k-1].to == n {
		ops[k-1].to++
		return
	}
	*r.ops = append(ops, op{kind: 'b', blk: b, from: n, to: n + 1})
}

func (r *recorder) Emit(t *schema.Table, vals []any) error {
	*r.ops = append(*r.ops, op{kind: 'e', t: t, vals: append([]any(nil), vals...)})
	return nil
}
func (r *recorder) Record() { *r.ops = append(*r.ops, op{kind: 'c'}) }
func (r *recorder) Reject(line int64, reason string) error {
	*r.ops = append(*r.ops, op{kind: 'r', line: line, reason: reason})
	return nil
}
func (r *recorder) Skip() { *r.ops = append(*r.ops, op{kind: 'k'}) }

func (r *recorder) Safe(off, line int64) {
	*r.ops = append(*r.ops, op{kind: 's', off: off, line: line})
}
func (r *recorder) Flushing() {}

const chunkBytes = 1 << 20

func (c *chunk) work(s *streamState) {
	rec := &recorder{ops: &c.ops, lines: len(c.lines), bytes: len(c.buf)}
	s.out, s.rec = rec, rec
	// Each chunk gets its own blocks: the sink may still be writing the
	// previous chunk's.
	s.blocks, s.lastBlock = map[string]*Block{}, nil
	defer func() {
		// One hold per run of rows recorded; a block without any is free.
		for _, o := range c.ops {
			if o.kind == 'b' {
				o.blk.Hold()
			}
		}
		for _, b := range s.blocks {
			if b.holds.Load() == 0 {
				b.recycle()
			}
		}
	}()
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
		lastTo := 0
		if mark > 0 {
			lastTo = c.ops[mark-1].to
		}
		ok, _ := s.fastLine(l.no, line)
		if !ok {
			// Rows the line added to blocks are left unused.
			c.ops = c.ops[:mark]
			if mark > 0 {
				c.ops[mark-1].to = lastTo
			}
			c.ops = append(c.ops, op{kind: 'l', line: l.no, raw: line, trunc: l.trunc})
		} else if n := len(c.ops); n > 0 && c.ops[n-1].kind == 'b' && (n > mark || c.ops[n-1].to != lastTo) {
			// The line ended with a row: the safe point goes with it.
			o := &c.ops[n-1]
			o.blk.Meta[o.to-1] = RowMeta{Off: l.off, Line: l.no, Safe: true}
			continue
		}
		c.ops = append(c.ops, op{kind: 's', off: l.off, line: l.no})
	}
}

func parseParallel(ctx context.Context, in *source.Lines, out source.Sink, cfg source.Config) error {
	workers := runtime.GOMAXPROCS(0)
	main := &streamState{cfg: cfg, out: out, tables: map[string]*table{}, blocks: map[string]*Block{}}
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
	bs, _ := out.(BlockSink)
	for i := range c.ops {
		o := &c.ops[i]
		var err error
		switch o.kind {
		case 'b':
			if bs != nil {
				err = bs.EmitBlock(o.blk, o.from, o.to)
				break
			}
			for r := o.from; r < o.to && err == nil; r++ {
				out.Record()
				s.vals = o.blk.Values(r, s.vals[:0])
				err = out.Emit(o.blk.Table, s.vals)
				if m := o.blk.Meta[r]; m.Safe {
					out.Safe(m.Off, m.Line)
				}
			}
			o.blk.Release()
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
