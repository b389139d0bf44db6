// Package redis is the store shared by many Plenary instances: each
// board's log is a Redis stream, sequenced and published by one Lua script
// per append, and its new records and ephemeral traffic reach every
// instance on the board's pub/sub channel.
//
// Every key of board B carries the hash tag {b:B}, so a board lives on one
// shard of a Redis Cluster and its scripts run there unchanged; on a
// cluster the channel is a sharded one (SSUBSCRIBE/SPUBLISH), so a board's
// traffic reaches only its shard.
package redis

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"

	"github.com/plenary/plenary/store"
	"github.com/plenary/plenary/store/internal/fanout"
)

var (
	//go:embed append.lua
	appendLua string
	//go:embed snapshot.lua
	snapshotLua string
	//go:embed restore.lua
	restoreLua string

	appendScript   = goredis.NewScript(appendLua)
	snapshotScript = goredis.NewScript(snapshotLua)
	restoreScript  = goredis.NewScript(restoreLua)
)

// Log is the boards' log in Redis. It is safe for concurrent use.
type Log struct {
	rdb     goredis.UniversalClient
	cluster bool
	// instance tells this process's ephemeral messages from others'.
	instance string

	boards fanout.Boards
	subs   *subscriptions

	mu     sync.Mutex
	epochs map[string]string // board → the epoch of its log as last seen
}

// Open connects to Redis at url: redis://[user:password@]host:port/db for
// one server, or redis+cluster://[user:password@]host1:port1,host2:port2
// for a Redis Cluster (any reachable nodes; the rest are discovered).
func Open(ctx context.Context, url string) (*Log, error) {
	rdb, cluster, err := connect(url)
	if err != nil {
		return nil, err
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s: %w: %w", redactURL(url), store.ErrUnavailable, err)
	}
	l := &Log{rdb: rdb, cluster: cluster, instance: randomID(), epochs: map[string]string{}}
	l.subs = newSubscriptions(l)
	return l, nil
}

func connect(url string) (goredis.UniversalClient, bool, error) {
	if rest, ok := strings.CutPrefix(url, "redis+cluster://"); ok {
		opt := &goredis.ClusterOptions{}
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			user, pass, _ := strings.Cut(rest[:at], ":")
			opt.Username, opt.Password = user, pass
			rest = rest[at+1:]
		}
		for _, addr := range strings.Split(strings.TrimSuffix(rest, "/"), ",") {
			if addr != "" {
				opt.Addrs = append(opt.Addrs, addr)
			}
		}
		if len(opt.Addrs) == 0 {
			return nil, false, fmt.Errorf("redis cluster URL names no nodes")
		}
		return goredis.NewClusterClient(opt), true, nil
	}
	opt, err := goredis.ParseURL(url)
	if err != nil {
		return nil, false, fmt.Errorf("redis URL: %w", err)
	}
	return goredis.NewClient(opt), false, nil
}

// redactURL hides a password in url for error messages.
func redactURL(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if at := strings.LastIndex(rest, "@"); ok && at >= 0 {
		return scheme + "://***@" + rest[at+1:]
	}
	return url
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b[:])
}

// keys are the names of one board's keys, all under its hash tag.
type keys struct{ seq, log, snap, epoch, channel string }

func keysOf(board string) keys {
	tag := "{b:" + board + "}"
	return keys{seq: tag + ":seq", log: tag + ":log", snap: tag + ":snap", epoch: tag + ":epoch", channel: tag + ":ch"}
}

// unavailable wraps a failure to reach Redis so callers can tell it apart.
func unavailable(op, board string, err error) error {
	return fmt.Errorf("%s board %s: %w: %w", op, board, store.ErrUnavailable, err)
}

// Append runs append.lua: INCR the seq, XADD the record under it, PUBLISH
// it, in one step.
func (l *Log) Append(ctx context.Context, board string, data []byte) (uint64, error) {
	if err := store.CheckBoard(board); err != nil {
		return 0, err
	}
	k := keysOf(board)
	res, err := appendScript.Run(ctx, l.rdb, []string{k.seq, k.log, k.epoch},
		data, l.epoch(board), randomID(), k.channel, l.publishCommand()).Slice()
	if err != nil {
		if strings.HasPrefix(err.Error(), "RESET") {
			return 0, fmt.Errorf("append to board %s: %w", board, store.ErrReset)
		}
		return 0, unavailable("append to", board, err)
	}
	if len(res) != 2 {
		return 0, fmt.Errorf("append to board %s: unexpected reply %v", board, res)
	}
	seq, _ := res[0].(int64)
	epoch, _ := res[1].(string)
	l.sawEpoch(board, epoch)
	return uint64(seq), nil
}

func (l *Log) publishCommand() string {
	if l.cluster {
		return "SPUBLISH"
	}
	return "PUBLISH"
}

// epoch is the epoch of the board's log this process knows, "" for none.
func (l *Log) epoch(board string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.epochs[board]
}

// sawEpoch records the epoch of the board's log and reports whether it
// differs from the one known before (a known one: a first sighting is no
// change).
func (l *Log) sawEpoch(board, epoch string) (changed bool) {
	if epoch == "" {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.epochs[board]
	l.epochs[board] = epoch
	return old != "" && old != epoch
}

// Epoch returns the epoch of the board's log in Redis: a random id set
// when its log began, and set anew when it is restored. A different epoch
// means a different log, even at the same seqs.
func (l *Log) Epoch(ctx context.Context, board string) (string, error) {
	epoch, err := l.rdb.Get(ctx, keysOf(board).epoch).Result()
	if errors.Is(err, goredis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", unavailable("read epoch of", board, err)
	}
	return epoch, nil
}

// Read returns records after a seq with XRANGE, and learns the log's epoch
// with them, so an append made after loading a board checks it.
func (l *Log) Read(ctx context.Context, board string, after uint64, limit int) ([]store.Record, error) {
	if err := store.CheckBoard(board); err != nil {
		return nil, err
	}
	k := keysOf(board)
	var entries *goredis.XMessageSliceCmd
	var epoch *goredis.StringCmd
	_, err := l.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		epoch = p.Get(ctx, k.epoch)
		entries = p.XRangeN(ctx, k.log, "("+strconv.FormatUint(after, 10)+"-1", "+", int64(limit))
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, unavailable("read", board, err)
	}
	l.sawEpoch(board, epoch.Val())
	recs := make([]store.Record, 0, len(entries.Val()))
	for _, m := range entries.Val() {
		seq, _, ok := strings.Cut(m.ID, "-")
		n, err := strconv.ParseUint(seq, 10, 64)
		data, isString := m.Values["d"].(string)
		if !ok || err != nil || !isString {
			return nil, fmt.Errorf("read board %s: malformed log entry %s", board, m.ID)
		}
		recs = append(recs, store.Record{Seq: n, Data: []byte(data)})
	}
	return recs, nil
}

// Last returns the board's seq counter.
func (l *Log) Last(ctx context.Context, board string) (uint64, error) {
	if err := store.CheckBoard(board); err != nil {
		return 0, err
	}
	seq, err := l.rdb.Get(ctx, keysOf(board).seq).Uint64()
	if errors.Is(err, goredis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, unavailable("read seq of", board, err)
	}
	return seq, nil
}

// SaveSnapshot runs snapshot.lua: store it if it is the newest, and trim
// the stream to store.Keep records behind it.
func (l *Log) SaveSnapshot(ctx context.Context, board string, snap store.Snapshot) error {
	if err := store.CheckBoard(board); err != nil {
		return err
	}
	k := keysOf(board)
	if err := snapshotScript.Run(ctx, l.rdb, []string{k.snap, k.log}, snap.Seq, snap.Data, store.Keep).Err(); err != nil {
		return unavailable("save snapshot of", board, err)
	}
	return nil
}

// LoadSnapshot returns the stored snapshot, or store.ErrNotFound.
func (l *Log) LoadSnapshot(ctx context.Context, board string) (store.Snapshot, error) {
	if err := store.CheckBoard(board); err != nil {
		return store.Snapshot{}, err
	}
	vals, err := l.rdb.HMGet(ctx, keysOf(board).snap, "seq", "data").Result()
	if err != nil {
		return store.Snapshot{}, unavailable("load snapshot of", board, err)
	}
	seqText, ok1 := vals[0].(string)
	data, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return store.Snapshot{}, store.ErrNotFound
	}
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if err != nil {
		return store.Snapshot{}, fmt.Errorf("load snapshot of board %s: bad seq %q", board, seqText)
	}
	return store.Snapshot{Seq: seq, Data: []byte(data)}, nil
}

// Restore runs restore.lua (see store.Restorer).
func (l *Log) Restore(ctx context.Context, board string, snap store.Snapshot) error {
	if err := store.CheckBoard(board); err != nil {
		return err
	}
	k := keysOf(board)
	epoch := randomID()
	restored, err := restoreScript.Run(ctx, l.rdb, []string{k.seq, k.log, k.snap, k.epoch}, snap.Seq, snap.Data, epoch).Int()
	if err != nil {
		return unavailable("restore", board, err)
	}
	if restored == 1 {
		l.sawEpoch(board, epoch)
		return nil
	}
	// Someone else restored it: learn the epoch they set.
	current, err := l.Epoch(ctx, board)
	if err != nil {
		return err
	}
	l.sawEpoch(board, current)
	return nil
}

// Close stops every subscription and closes the connections.
func (l *Log) Close() error {
	l.subs.close()
	l.boards.Close()
	return l.rdb.Close()
}
