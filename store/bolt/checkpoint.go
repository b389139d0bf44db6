package bolt

import (
	"encoding/binary"
	"fmt"
	"os"
	"time"

	"go.etcd.io/bbolt"
)

// checkpointRetry paces retries of a checkpoint that failed (a full disk):
// its records stay in memory and in their segment meanwhile.
const checkpointRetry = time.Second

// checkpoints is the checkpointer goroutine: it moves each full segment
// into bbolt, oldest first, then deletes it. A failed checkpoint is
// retried until it succeeds; if the log closes first, that segment and
// every later one stay on disk for the next Open, in order, since a later
// segment checkpointed ahead of an earlier one would make bbolt's seqs
// skip the earlier one's records.
func (l *Log) checkpoints() {
	defer close(l.checkpointed)
	var err error
	for seg := range l.full {
		if err == nil {
			err = l.checkpointUntilClosed(seg)
		}
	}
	l.checkpointErr = err
}

// checkpointUntilClosed retries checkpoint until it succeeds or the log
// closes.
func (l *Log) checkpointUntilClosed(seg *segment) error {
	for {
		err := l.checkpoint(seg)
		if err == nil {
			return nil
		}
		select {
		case <-time.After(checkpointRetry):
		case <-l.quit:
			return err
		}
	}
}

// checkpoint puts seg's records into bbolt in one transaction, then
// deletes seg and forgets its records: a crash in between reads the
// segment back and skips what bbolt already holds. Records a snapshot has
// since trimmed are not put back.
func (l *Log) checkpoint(seg *segment) error {
	tops := map[string]uint64{} // each board's last seq in seg
	err := l.db.Update(func(tx *bbolt.Tx) error {
		clear(tops)
		return putRecords(tx, seg.records, tops)
	})
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", seg.path, err)
	}
	if err := seg.remove(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", seg.path, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for board, top := range tops {
		l.forget(board, top)
		for key, seq := range l.keys[board] {
			if seq <= top {
				delete(l.keys[board], key)
			}
		}
		if len(l.keys[board]) == 0 {
			delete(l.keys, board)
		}
		if l.lasts[board] == top {
			// bbolt holds all the board has, its sequence included:
			// memory is kept for boards in use.
			delete(l.lasts, board)
		}
	}
	return nil
}

// forget drops the board's waiting records with seq <= upTo. l.mu is held.
func (l *Log) forget(board string, upTo uint64) {
	held := l.pending[board]
	i := firstAfter(held, upTo)
	if i == len(held) {
		delete(l.pending, board)
		return
	}
	l.pending[board] = append(held[:0], held[i:]...)
}

// putRecords puts records into their boards' buckets, skipping any that
// the board's stored snapshot has trimmed, and sets each bucket's sequence
// to its last seq, which tops collects. Their ops' keys are put whatever
// the trim: they outlive the records.
func putRecords(tx *bbolt.Tx, records []walRecord, tops map[string]uint64) error {
	logs, snaps, ops := tx.Bucket(logsBucket), tx.Bucket(snapshotsBucket), tx.Bucket(opsBucket)
	for _, r := range records {
		if r.key == "" {
			continue
		}
		b, err := ops.CreateBucketIfNotExists([]byte(r.board))
		if err != nil {
			return err
		}
		if err := b.Put([]byte(r.key), key(r.Seq)); err != nil {
			return err
		}
	}
	buckets := map[string]*bbolt.Bucket{}
	floors := map[string]uint64{}
	for _, r := range records {
		b := buckets[r.board]
		if b == nil {
			var err error
			if b, err = logs.CreateBucketIfNotExists([]byte(r.board)); err != nil {
				return err
			}
			b.FillPercent = 1 // keys only grow: pack pages full
			buckets[r.board] = b
			if v := snaps.Get([]byte(r.board)); v != nil {
				floors[r.board] = trimmedTo(binary.BigEndian.Uint64(v))
			}
		}
		tops[r.board] = r.Seq
		if r.Seq <= b.Sequence() {
			continue // already in bbolt: a crash, or a checkpoint retried
		}
		if r.Seq != b.Sequence()+1 {
			return fmt.Errorf("board %s: record %d follows %d, and nothing holds those between", r.board, r.Seq, b.Sequence())
		}
		if r.Seq > floors[r.board] {
			if err := b.Put(key(r.Seq), r.Data); err != nil {
				return err
			}
		}
		if err := b.SetSequence(r.Seq); err != nil {
			return err
		}
	}
	return nil
}

// recover moves the segments a crash left (or a checkpoint that could not
// finish before Close) into bbolt and deletes them; it returns the number
// the next segment takes. A damaged segment stops it before it changes
// anything: the error names the file and the offset, and every file stays
// as it is for whoever repairs it.
func (l *Log) recover() (uint64, error) {
	paths, last, err := segmentPaths(l.path)
	if err != nil {
		return 0, err
	}
	segments := make([][]walRecord, len(paths))
	for i, p := range paths {
		if segments[i], err = readSegment(p, i == len(paths)-1); err != nil {
			return 0, fmt.Errorf("recover: %w; nothing was changed", err)
		}
	}
	err = l.db.Update(func(tx *bbolt.Tx) error {
		for i, records := range segments {
			if err := putRecords(tx, records, map[string]uint64{}); err != nil {
				return fmt.Errorf("%s: %w", paths[i], err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("recover: %w; nothing was changed", err)
	}
	for _, p := range paths {
		if err := os.Remove(p); err != nil {
			return 0, err
		}
	}
	return last + 1, nil
}
