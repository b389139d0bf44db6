package bolt

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/plenary/plenary/store"
)

const (
	// maxBatch bounds how many appends share one write, so one batch's
	// latency stays near one fsync.
	maxBatch = 1000
	// maxKeptBuffer is the largest encoding buffer the committer keeps
	// between batches.
	maxKeptBuffer = 1 << 20
)

// appendReq is one Append waiting for the committer.
type appendReq struct {
	board string
	data  []byte
	seq   uint64     // set by the committer
	done  chan error // buffered: the committer never waits for Append
}

// Append adds data as the board's next record and returns its seq once it
// is on disk. The embedded log has one epoch, "". Appends to any boards made while a write is under way share
// the next one, so a busy server pays one fsync for many records.
//
// Once the record is handed to the committer, Append waits for the write
// even if ctx ends: the record may already be durable, and an error would
// tell the caller it is not.
func (l *Log) Append(ctx context.Context, board, epoch string, data []byte) (uint64, error) {
	if err := checkEpoch(board, epoch); err != nil {
		return 0, err
	}
	req := &appendReq{board: board, data: bytes.Clone(data), done: make(chan error, 1)}
	select {
	case l.appends <- req:
	case <-l.quit:
		return 0, errClosed
	case <-ctx.Done():
		return 0, fmt.Errorf("append to board %s: %w", board, ctx.Err())
	}
	if err := <-req.done; err != nil {
		return 0, fmt.Errorf("append to board %s: %w", board, err)
	}
	return req.seq, nil
}

// commit is the committer goroutine, the one writer of the current
// segment and of every board's last seq: it takes one append, and every
// other one already waiting, and writes them with one fsync.
//
// This is bbolt's db.Batch without its timer: Batch waits MaxBatchDelay
// (10 ms by default) before committing even a lone append, where here a
// lone append is written at once and only appends that arrive during a
// write wait, for exactly the next one.
func (l *Log) commit() {
	defer close(l.committed)
	defer close(l.full)
	var (
		batch   []*appendReq
		records []walRecord
		buf     []byte
		seqs    = map[string]uint64{} // the batch's boards, at their last seq
	)
	for {
		// The last batch's records are let go, and a buffer grown by a
		// batch of imports is not kept for the small ones after it.
		clear(batch)
		clear(records)
		batch, records = batch[:0], records[:0]
		clear(seqs)
		if cap(buf) > maxKeptBuffer {
			buf = nil
		}
		select {
		case req := <-l.appends:
			batch = append(batch, req)
		case <-l.quit:
			l.handOver()
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case req := <-l.appends:
				batch = append(batch, req)
			default:
				break more
			}
		}
		err := l.failed
		if err == nil {
			err = l.rotateIfDue(time.Now())
		}
		for _, req := range batch {
			if err != nil {
				break
			}
			last, ok := seqs[req.board]
			if !ok {
				last, err = l.last(req.board)
			}
			req.seq = last + 1
			seqs[req.board] = req.seq
			records = append(records, walRecord{board: req.board, Record: store.Record{Seq: req.seq, Data: req.data}})
		}
		if err == nil {
			buf, err = l.seg.write(buf, records)
			if err != nil {
				// After a failed write or fsync nothing says what
				// reached the disk, or that the page cache still holds
				// what did: appending more could put acknowledged
				// records behind a torn one. The log refuses appends
				// until a restart reads back what is durable.
				l.failed = fmt.Errorf("write-ahead segment failed, restart to recover: %w", err)
				err = l.failed
			}
		}
		if err == nil {
			l.mu.Lock()
			for _, r := range records {
				l.pending[r.board] = append(l.pending[r.board], r.Record)
				l.lasts[r.board] = r.Seq
			}
			l.mu.Unlock()
		}
		for _, req := range batch {
			req.done <- err
			if err == nil {
				l.boards.Record(req.board, store.Record{Seq: req.seq, Data: req.data})
			}
		}
	}
}

// last is the board's last seq: the committer's own record of it, or
// bbolt's once nothing of the board waits in a segment.
func (l *Log) last(board string) (uint64, error) {
	l.mu.Lock()
	seq, ok := l.lasts[board]
	l.mu.Unlock()
	if ok {
		return seq, nil
	}
	err := l.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(logsBucket).Bucket([]byte(board)); b != nil {
			seq = b.Sequence()
		}
		return nil
	})
	return seq, err
}

// rotateIfDue hands the current segment to the checkpointer and starts
// the next one, once the segment is big enough or old enough. It waits
// while segmentsBehind segments already wait: memory stays bounded when
// the disk is slow.
func (l *Log) rotateIfDue(now time.Time) error {
	if l.seg.size < segmentBytes && (len(l.seg.records) == 0 || now.Sub(l.seg.opened) < segmentAge) {
		return nil
	}
	next, err := createSegment(l.path, l.seg.n+1, now)
	if err != nil {
		return fmt.Errorf("start a write-ahead segment: %w", err)
	}
	l.full <- l.seg
	l.seg = next
	return nil
}

// handOver gives the last segment to the checkpointer when the log
// closes, or deletes it if it holds nothing.
func (l *Log) handOver() {
	if len(l.seg.records) == 0 {
		l.seg.remove()
		return
	}
	l.full <- l.seg
}
