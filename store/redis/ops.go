package redis

import (
	"context"
	"errors"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/plenary/plenary/store"
)

// An op's idempotency key is kept in a hash of the day it was appended
// (by this process's clock), which expires two days after its last write.
// A lookup reads the hashes of yesterday, today and tomorrow, so a key is
// found for at least store.KeyLife even across clocks up to a day apart,
// and a board's keys cost Redis two days of ops, not its whole history.
const (
	opsDay  = 24 * time.Hour
	opsLife = 2 * opsDay
)

// opsKeys are the hashes of the ops' keys of the days around now:
// yesterday, today (where a new key goes) and tomorrow.
func opsKeys(board string, now time.Time) []string {
	day := now.Unix() / int64(opsDay/time.Second)
	tag := "{b:" + board + "}:ops:"
	return []string{
		tag + strconv.FormatInt(day-1, 10),
		tag + strconv.FormatInt(day, 10),
		tag + strconv.FormatInt(day+1, 10),
	}
}

// SeqOf reads the op's key from the hashes of the days around now.
func (l *Log) SeqOf(ctx context.Context, board, key string) (uint64, error) {
	if err := store.CheckBoard(board); err != nil {
		return 0, err
	}
	var found []*goredis.StringCmd
	_, err := l.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range opsKeys(board, time.Now()) {
			found = append(found, p.HGet(ctx, k, key))
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return 0, unavailable("look up an op of", board, err)
	}
	for _, f := range found {
		if seq, err := f.Uint64(); err == nil {
			return seq, nil
		}
	}
	return 0, nil
}
