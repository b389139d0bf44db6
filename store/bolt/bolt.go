// Package bolt is the embedded store, the default: every board's log in one
// bbolt file, for a single process that needs no setup.
//
// An append is first written to a write-ahead segment next to the file
// (wal.go says why) and moved into bbolt by a checkpoint every few
// seconds; until then it is read from memory.
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
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/plenary/plenary/store"
)

var (
	logsBucket      = []byte("logs")
	snapshotsBucket = []byte("snapshots")
	opsBucket       = []byte("ops")
)

// errClosed is returned by calls made after Close.
var errClosed = errors.New("bolt: log is closed")

// Log is a store.Log in one bbolt file. It is safe for concurrent use.
//
// The committer goroutine owns the current segment and hands full ones to
// the checkpointer goroutine; mu guards what both share with readers.
type Log struct {
	db           *bbolt.DB
	path         string
	appends      chan *appendReq // to the committer
	full         chan *segment   // from the committer to the checkpointer
	quit         chan struct{}   // closed by Close: both stop
	committed    chan struct{}   // closed by the committer when it has stopped
	checkpointed chan struct{}   // closed by the checkpointer when it has stopped
	close        sync.Once

	seg    *segment // the committer's
	failed error    // the committer's: set when a segment write failed

	checkpointErr error // the checkpointer's, read by Close after it stopped

	mu      sync.Mutex
	pending map[string][]store.Record    // per board, records not yet in bbolt, in seq order
	lasts   map[string]uint64            // per board with records not yet in bbolt, its last seq
	keys    map[string]map[string]uint64 // per board, the keys of its ops not yet in bbolt, and their seqs
	pingErr error                        // the committer's failed, for Ping
}

var _ store.Log = (*Log)(nil)

// Open opens the bbolt file at path, creating it if need be. A file is
// locked by the one process that has it open: another Open of the same file
// fails after a second instead of waiting forever.
func Open(path string) (*Log, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout: time.Second,
		// Checkpoints and snapshots commit several times a second, so
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
	l := &Log{
		db:           db,
		path:         path,
		appends:      make(chan *appendReq),
		full:         make(chan *segment, segmentsBehind),
		quit:         make(chan struct{}),
		committed:    make(chan struct{}),
		checkpointed: make(chan struct{}),
		pending:      map[string][]store.Record{},
		lasts:        map[string]uint64{},
		keys:         map[string]map[string]uint64{},
	}
	next, err := l.recover()
	if err == nil {
		l.seg, err = createSegment(path, next, time.Now())
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	go l.commit()
	go l.checkpoints()
	return l, nil
}

// Read returns the board's records with seq > after, at most limit of them:
// those in bbolt, then those still waiting for a checkpoint. The waiting
// ones are copied first: a checkpoint puts records into bbolt before it
// forgets them, so none can fall between the two reads.
func (l *Log) Read(ctx context.Context, board, epoch string, after uint64, limit int) ([]store.Record, error) {
	if err := checkEpoch(board, epoch); err != nil {
		return nil, err
	}
	waiting := l.waiting(board, after, limit)
	var records []store.Record
	err := l.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(logsBucket).Bucket([]byte(board))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(key(after + 1)); k != nil && len(records) < limit; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			if len(waiting) > 0 && seq >= waiting[0].Seq {
				break
			}
			records = append(records, store.Record{Seq: seq, Data: bytes.Clone(v)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read board %s: %w", board, err)
	}
	return append(records, waiting[:min(len(waiting), limit-len(records))]...), nil
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

// waiting copies the board's records with seq > after that are not yet in
// bbolt, at most limit of them.
func (l *Log) waiting(board string, after uint64, limit int) []store.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	held := l.pending[board]
	i := firstAfter(held, after)
	return slices.Clone(held[i:min(len(held), i+max(limit, 0))])
}

// firstAfter is the index of the first record with seq > after in held,
// which is in seq order.
func firstAfter(held []store.Record, after uint64) int {
	i, _ := slices.BinarySearchFunc(held, after+1, func(r store.Record, seq uint64) int { return cmp.Compare(r.Seq, seq) })
	return i
}

// Last returns the seq of the board's newest record, 0 if it has none.
func (l *Log) Last(ctx context.Context, board string) (uint64, error) {
	if err := store.CheckBoard(board); err != nil {
		return 0, err
	}
	last, err := l.last(board)
	if err != nil {
		return 0, fmt.Errorf("last of board %s: %w", board, err)
	}
	return last, nil
}

// SeqOf returns the seq of the board's op under key: from memory while
// its record waits for a checkpoint, else from bbolt. Memory is read
// first: a checkpoint puts keys into bbolt before it forgets them.
func (l *Log) SeqOf(ctx context.Context, board, key string) (uint64, error) {
	if err := store.CheckBoard(board); err != nil {
		return 0, err
	}
	seq, err := l.seqOf(board, key)
	if err != nil {
		return 0, fmt.Errorf("look up an op of board %s: %w", board, err)
	}
	return seq, nil
}

func (l *Log) seqOf(board, key string) (uint64, error) {
	l.mu.Lock()
	seq, ok := l.keys[board][key]
	l.mu.Unlock()
	if ok {
		return seq, nil
	}
	err := l.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(opsBucket).Bucket([]byte(board)); b != nil {
			if v := b.Get([]byte(key)); v != nil {
				seq = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	return seq, err
}

// Ping reports whether appends are taken: not after Close, nor after a
// segment write failed.
func (l *Log) Ping(ctx context.Context) error {
	select {
	case <-l.quit:
		return errClosed
	default:
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pingErr
}

// Close waits for the appends under way, checkpoints every segment, then
// closes the file. Closing again does nothing.
func (l *Log) Close() error {
	var err error
	l.close.Do(func() {
		close(l.quit)
		<-l.committed
		<-l.checkpointed
		err = errors.Join(l.checkpointErr, l.db.Close())
	})
	return err
}

// key is seq as a key of a board's bucket.
func key(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}
