// Package bolt is the embedded store, the default: every board's log in one
// bbolt file, for a single process that needs no setup.
// Appends share commits through bbolt's DB.Batch (append.go).
//
// The file holds a bucket "logs" with a bucket per board whose keys are the
// records' seqs, big-endian so that bbolt's byte order is seq order, and
// whose bucket sequence is the board's last seq (it survives trimming); and
// a bucket "snapshots" with one value per board: the snapshot's seq,
// big-endian, then its data; and a bucket "ops" with a bucket per board
// whose keys are its ops' idempotency keys and values their seqs, kept
// for the board's whole life (trimming the log leaves them).
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/plenary/plenary/store"
	"github.com/plenary/plenary/store/internal/fanout"
)

var (
	logsBucket      = []byte("logs")
	snapshotsBucket = []byte("snapshots")
	opsBucket       = []byte("ops")
)

// errClosed is returned by calls made after Close.
var errClosed = errors.New("bolt: log is closed")

// Log is a store.Log in one bbolt file. It is safe for concurrent use.
type Log struct {
	db     *bbolt.DB
	quit   chan struct{} // closed by Close
	close  sync.Once
	boards fanout.Boards
}

var _ store.Log = (*Log)(nil)

// Open opens the bbolt file at path, creating it if need be. A file is
// locked by the one process that has it open: another Open of the same file
// fails after a second instead of waiting forever.
func Open(path string) (*Log, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout: time.Second,
		// Appends and snapshots commit many times a second, so
		// what a commit writes besides the records matters: the
		// free-page list is rebuilt when the file is opened instead of
		// written on every commit, and kept as a map, which stays fast
		// as the file grows.
		NoFreelistSync: true,
		FreelistType:   bbolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{logsBucket, snapshotsBucket, opsBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.MaxBatchDelay, db.MaxBatchSize = batchDelay, batchSize
	return &Log{db: db, quit: make(chan struct{})}, nil
}

// Read returns the board's records with seq > after, at most limit of them.
func (l *Log) Read(ctx context.Context, board, epoch string, after uint64, limit int) ([]store.Record, error) {
	if err := checkEpoch(board, epoch); err != nil {
		return nil, err
	}
	var records []store.Record
	err := l.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(logsBucket).Bucket([]byte(board))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(key(after + 1)); k != nil && len(records) < limit; k, v = c.Next() {
			records = append(records, store.Record{Seq: binary.BigEndian.Uint64(k), Data: bytes.Clone(v)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read board %s: %w", board, err)
	}
	return records, nil
}

// checkEpoch checks the board id, and that epoch is the embedded log's
// only one, "", or any.
func checkEpoch(board, epoch string) error {
	if err := store.CheckBoard(board); err != nil {
		return err
	}
	if epoch != "" {
		return fmt.Errorf("board %s has no epoch %q: %w", board, epoch, store.ErrReset)
	}
	return nil
}

// Last returns the seq of the board's newest record, 0 if it has none.
func (l *Log) Last(ctx context.Context, board string) (uint64, error) {
	if err := store.CheckBoard(board); err != nil {
		return 0, err
	}
	var last uint64
	err := l.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(logsBucket).Bucket([]byte(board)); b != nil {
			last = b.Sequence()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("last of board %s: %w", board, err)
	}
	return last, nil
}

// SeqOf returns the seq of the board's op under key, 0 if there is none.
func (l *Log) SeqOf(ctx context.Context, board, key string) (uint64, error) {
	if err := store.CheckBoard(board); err != nil {
		return 0, err
	}
	var seq uint64
	err := l.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(opsBucket).Bucket([]byte(board)); b != nil {
			if v := b.Get([]byte(key)); v != nil {
				seq = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("look up an op of board %s: %w", board, err)
	}
	return seq, nil
}

// Ping reports whether appends are taken: not after Close.
func (l *Log) Ping(ctx context.Context) error {
	select {
	case <-l.quit:
		return errClosed
	default:
		return nil
	}
}

// Close waits for the transactions under way, closes the file and stops
// every subscriber. Closing again does nothing.
func (l *Log) Close() error {
	var err error
	l.close.Do(func() {
		close(l.quit)
		err = l.db.Close()
		l.boards.Close()
	})
	return err
}

// key is seq as a key of a board's bucket.
func key(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}
