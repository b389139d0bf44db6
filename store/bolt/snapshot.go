package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/plenary/plenary/store"
)

// SaveSnapshot stores snap unless the board has one as new, and deletes
// the records more than store.Keep behind it, in one transaction. A
// snapshot of an epoch other than "" is not of this log and is ignored.
func (l *Log) SaveSnapshot(ctx context.Context, board string, snap store.Snapshot) error {
	if err := store.CheckBoard(board); err != nil {
		return err
	}
	if snap.Epoch != "" {
		return nil
	}
	err := l.db.Update(func(tx *bbolt.Tx) error {
		snaps := tx.Bucket(snapshotsBucket)
		if held := snaps.Get([]byte(board)); held != nil && binary.BigEndian.Uint64(held) >= snap.Seq {
			return nil
		}
		if err := snaps.Put([]byte(board), append(key(snap.Seq), snap.Data...)); err != nil {
			return err
		}
		if b := tx.Bucket(logsBucket).Bucket([]byte(board)); b != nil && snap.Seq > store.Keep {
			return trim(b, trimmedTo(snap.Seq))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save snapshot of board %s: %w", board, err)
	}
	// Records still waiting for a checkpoint are trimmed too: the
	// checkpoint skips what the stored snapshot has made old.
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forget(board, trimmedTo(snap.Seq))
	return nil
}

// trimmedTo is the seq at or below which a snapshot at seq lets a board's
// records go.
func trimmedTo(seq uint64) uint64 {
	if seq <= store.Keep {
		return 0
	}
	return seq - store.Keep
}

// trim deletes the records with seq <= upTo. It gathers their keys first:
// deleting under a moving bbolt cursor can skip keys.
func trim(b *bbolt.Bucket, upTo uint64) error {
	var old [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= upTo; k, _ = c.Next() {
		old = append(old, k)
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// LoadSnapshot returns the board's latest snapshot, or store.ErrNotFound.
func (l *Log) LoadSnapshot(ctx context.Context, board string) (store.Snapshot, error) {
	if err := store.CheckBoard(board); err != nil {
		return store.Snapshot{}, err
	}
	var snap store.Snapshot
	err := l.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(snapshotsBucket).Get([]byte(board))
		if v == nil {
			return store.ErrNotFound
		}
		snap = store.Snapshot{Seq: binary.BigEndian.Uint64(v), Data: bytes.Clone(v[8:])}
		return nil
	})
	if err != nil {
		return store.Snapshot{}, fmt.Errorf("load snapshot of board %s: %w", board, err)
	}
	return snap, nil
}
