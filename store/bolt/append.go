package bolt

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/plenary/plenary/store"
)

// maxBatch bounds how many appends share one transaction, so one commit's
// latency stays near one fsync.
const maxBatch = 1000

// appendReq is one Append waiting for the committer.
type appendReq struct {
	board string
	data  []byte
	seq   uint64     // set by the committer
	done  chan error // buffered: the committer never waits for Append
}

// Append adds data as the board's next record and returns its seq once it
// is on disk. Appends to any boards made while a commit is under way share
// the next one, so a busy server pays one fsync for many records.
//
// Once the record is handed to the committer, Append waits for the commit
// even if ctx ends: the record may already be durable, and an error would
// tell the caller it is not.
func (l *Log) Append(ctx context.Context, board string, data []byte) (uint64, error) {
	if err := store.CheckBoard(board); err != nil {
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

// commit is the committer goroutine: it takes one append, and every other
// one already waiting, and commits them in one transaction.
//
// This is bbolt's db.Batch without its timer: Batch waits MaxBatchDelay
// (10 ms by default) before committing even a lone append, where here a
// lone append commits at once and only appends that arrive during a commit
// wait, for exactly that commit.
func (l *Log) commit() {
	defer close(l.stopped)
	for {
		var batch []*appendReq
		select {
		case req := <-l.appends:
			batch = append(batch, req)
		case <-l.quit:
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
		err := l.db.Update(func(tx *bbolt.Tx) error {
			logs := tx.Bucket(logsBucket)
			for _, req := range batch {
				b, err := logs.CreateBucketIfNotExists([]byte(req.board))
				if err != nil {
					return err
				}
				b.FillPercent = 1 // keys only grow: pack pages full
				if req.seq, err = b.NextSequence(); err != nil {
					return err
				}
				if err := b.Put(key(req.seq), req.data); err != nil {
					return err
				}
			}
			return nil
		})
		for _, req := range batch {
			req.done <- err
			if err == nil {
				l.boards.Record(req.board, store.Record{Seq: req.seq, Data: req.data})
			}
		}
	}
}
