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

// Appends to any boards share bbolt commits through DB.Batch: an append
// waits at most batchDelay for others to join it, and a batch of
// batchSize commits at once, so a busy server pays one commit (two
// fsyncs) for many records.
const (
	batchDelay = time.Millisecond
	batchSize  = 1000
)

// Append adds data as the board's next record and returns its seq once it
// is committed. The embedded log has one epoch, "".
//
// The look-up of the op's key and the append are in one transaction, so
// two appends under one key never both append. Append waits for the
// commit even if ctx ends: the record may already be durable, and an
// error would tell the caller it is not.
func (l *Log) Append(ctx context.Context, board, epoch, key string, data []byte) (uint64, bool, error) {
	if err := checkEpoch(board, epoch); err != nil {
		return 0, false, err
	}
	if len(key) > store.MaxKeyLen {
		return 0, false, fmt.Errorf("append to board %s: op key of %d bytes is over %d", board, len(key), store.MaxKeyLen)
	}
	seq, dup, err := l.append(board, key, data, false)
	return seq, dup, err
}

// Create appends data as the board's record 1 unless the board has a
// record already, checked in the transaction that appends it.
func (l *Log) Create(ctx context.Context, board string, data []byte) error {
	if err := store.CheckBoard(board); err != nil {
		return err
	}
	_, exists, err := l.append(board, "", data, true)
	if err == nil && exists {
		err = fmt.Errorf("create board %s: %w", board, store.ErrExists)
	}
	return err
}

// append is one record in the next batch. taken reports that nothing was
// appended: key was taken before, by seq, or fresh found the board had a
// record. The batch's function may run more than once (bbolt runs it
// again alone when another function of the batch failed), so it sets
// every result afresh, and subscribers hear of the record only once its
// transaction is committed.
func (l *Log) append(board, opKey string, data []byte, fresh bool) (seq uint64, taken bool, err error) {
	data = bytes.Clone(data)
	err = l.db.Batch(func(tx *bbolt.Tx) error {
		seq, taken = 0, false
		if opKey != "" {
			if b := tx.Bucket(opsBucket).Bucket([]byte(board)); b != nil {
				if v := b.Get([]byte(opKey)); v != nil {
					seq, taken = binary.BigEndian.Uint64(v), true
					return nil
				}
			}
		}
		b, err := tx.Bucket(logsBucket).CreateBucketIfNotExists([]byte(board))
		if err != nil {
			return err
		}
		if fresh && b.Sequence() > 0 {
			taken = true
			return nil
		}
		b.FillPercent = 1 // keys only grow: pack pages full
		next := b.Sequence() + 1
		if err := b.Put(key(next), data); err != nil {
			return err
		}
		if err := b.SetSequence(next); err != nil {
			return err
		}
		if opKey != "" {
			ops, err := tx.Bucket(opsBucket).CreateBucketIfNotExists([]byte(board))
			if err != nil {
				return err
			}
			if err := ops.Put([]byte(opKey), key(next)); err != nil {
				return err
			}
		}
		seq = next
		tx.OnCommit(func() { l.boards.Record(board, store.Record{Seq: next, Data: data}) })
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("append to board %s: %w", board, err)
	}
	return seq, taken, nil
}
