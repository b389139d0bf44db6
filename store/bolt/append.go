package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
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
	key   string
	data  []byte
	fresh bool       // a Create: refused if the board has a record
	err   error      // set by the committer for this request alone
	seq   uint64     // set by the committer
	dup   bool       // set by the committer: key was taken before, by seq
	done  chan error // buffered: the committer never waits for Append
}

// Append adds data as the board's next record and returns its seq once it
// is on disk. The embedded log has one epoch, "". Appends to any boards made while a write is under way share
// the next one, so a busy server pays one fsync for many records.
//
// The committer alone appends, so its look-up of the op's key and the
// append are one step; the key is written in the same segment record.
//
// Once the record is handed to the committer, Append waits for the write
// even if ctx ends: the record may already be durable, and an error would
// tell the caller it is not.
func (l *Log) Append(ctx context.Context, board, epoch, key string, data []byte) (uint64, bool, error) {
	if err := checkEpoch(board, epoch); err != nil {
		return 0, false, err
	}
	if len(key) > store.MaxKeyLen {
		return 0, false, fmt.Errorf("append to board %s: op key of %d bytes is over %d", board, len(key), store.MaxKeyLen)
	}
	req := &appendReq{board: board, key: key, data: data}
	seq, err := l.append(ctx, req)
	return seq, req.dup, err
}

// Create appends data as the board's record 1 unless the board has a
// record already. The committer, the one writer of every board's seq,
// checks it in the batch that writes the record.
func (l *Log) Create(ctx context.Context, board string, data []byte) error {
	_, err := l.append(ctx, &appendReq{board: board, data: data, fresh: true})
	return err
}

func (l *Log) append(ctx context.Context, req *appendReq) (uint64, error) {
	if err := store.CheckBoard(req.board); err != nil {
		return 0, err
	}
	req.data, req.done = bytes.Clone(req.data), make(chan error, 1)
	select {
	case l.appends <- req:
	case <-l.quit:
		return 0, errClosed
	case <-ctx.Done():
		return 0, fmt.Errorf("append to board %s: %w", req.board, ctx.Err())
	}
	if err := <-req.done; err != nil {
		return 0, fmt.Errorf("append to board %s: %w", req.board, err)
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
		seqs    = map[string]uint64{}    // the batch's boards, at their last seq
		taken   = map[[2]string]uint64{} // the batch's op keys (board, key), at their seqs
	)
	for {
		// The last batch's records are let go, and a buffer grown by a
		// batch of imports is not kept for the small ones after it.
		clear(batch)
		clear(records)
		batch, records = batch[:0], records[:0]
		clear(seqs)
		clear(taken)
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
		if err == nil {
			err = l.keysTaken(batch, taken)
		}
		for _, req := range batch {
			if err != nil {
				break
			}
			if req.key != "" {
				if seq, ok := taken[[2]string{req.board, req.key}]; ok {
					req.seq, req.dup = seq, true
					continue
				}
			}
			last, ok := seqs[req.board]
			if !ok {
				last, err = l.last(req.board)
			}
			if req.fresh && last > 0 {
				req.err = store.ErrExists
				continue
			}
			req.seq = last + 1
			seqs[req.board] = req.seq
			if req.key != "" {
				taken[[2]string{req.board, req.key}] = req.seq
			}
			records = append(records, walRecord{board: req.board, key: req.key, Record: store.Record{Seq: req.seq, Data: req.data}})
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
				l.mu.Lock()
				l.pingErr = l.failed
				l.mu.Unlock()
			}
		}
		if err == nil {
			l.mu.Lock()
			for _, r := range records {
				l.pending[r.board] = append(l.pending[r.board], r.Record)
				l.lasts[r.board] = r.Seq
				if r.key != "" {
					if l.keys[r.board] == nil {
						l.keys[r.board] = map[string]uint64{}
					}
					l.keys[r.board][r.key] = r.Seq
				}
			}
			l.mu.Unlock()
		}
		for _, req := range batch {
			switch {
			case err != nil:
				req.done <- err
			case req.err != nil:
				req.done <- req.err
			default:
				req.done <- nil
			}
		}
	}
}

// keysTaken puts into taken the keys of the batch's ops that earlier
// appends took, with their seqs: from memory, then the rest from bbolt in
// one read for the whole batch. Memory is read first, since a checkpoint
// puts keys into bbolt before it forgets them.
func (l *Log) keysTaken(batch []*appendReq, taken map[[2]string]uint64) error {
	var unknown []*appendReq
	l.mu.Lock()
	for _, req := range batch {
		if req.key == "" {
			continue
		}
		if seq, ok := l.keys[req.board][req.key]; ok {
			taken[[2]string{req.board, req.key}] = seq
		} else {
			unknown = append(unknown, req)
		}
	}
	l.mu.Unlock()
	if len(unknown) == 0 {
		return nil
	}
	return l.db.View(func(tx *bbolt.Tx) error {
		ops := tx.Bucket(opsBucket)
		for _, req := range unknown {
			if b := ops.Bucket([]byte(req.board)); b != nil {
				if v := b.Get([]byte(req.key)); v != nil {
					taken[[2]string{req.board, req.key}] = binary.BigEndian.Uint64(v)
				}
			}
		}
		return nil
	})
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
