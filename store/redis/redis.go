// Package redis is the store shared by many Plenary instances: each
// board's log is a Redis stream, sequenced and published by one Lua script
// per append, and its new records and ephemeral traffic reach the other
// instances on the board's pub/sub channel.
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
	"time"

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
	//go:embed create.lua
	createLua string

	appendScript   = goredis.NewScript(appendLua)
	snapshotScript = goredis.NewScript(snapshotLua)
	restoreScript  = goredis.NewScript(restoreLua)
	createScript   = goredis.NewScript(createLua)
)

// Log is the boards' log in Redis. It is safe for concurrent use.
type Log struct {
	rdb     goredis.UniversalClient
	cluster bool
	// instance tells this process's records and ephemeral messages from
	// others', which alone its subscribers are told.
	instance string

	boards fanout.Boards
	subs   *subscriptions
}

// RestoreWindow is how long offers are taken after Redis is found to have
// lost a board (see store.Restorer): long enough for every instance that
// holds the board to notice (its subscription is made again within a
// fraction of a second of Redis coming back, and the first offer prods
// the others on the board's channel) and short enough that the ops
// waiting meanwhile are answered within seconds.
const RestoreWindow = 3 * time.Second

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
	l := &Log{rdb: rdb, cluster: cluster, instance: randomID()}
	l.subs = newSubscriptions(l)
	return l, nil
}

func connect(url string) (goredis.UniversalClient, bool, error) {
	if rest, ok := strings.CutPrefix(url, "redis+cluster://"); ok {
		// A caller's deadline bounds its command, not go-redis's own
		// read timeout of five seconds: an op waits at most as long as
		// the hub says (docs/protocol.md).
		opt := &goredis.ClusterOptions{ContextTimeoutEnabled: true}
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
	opt.ContextTimeoutEnabled = true
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
type keys struct{ seq, log, snap, epoch, restoring, channel string }

func keysOf(board string) keys {
	tag := "{b:" + board + "}"
	return keys{seq: tag + ":seq", log: tag + ":log", snap: tag + ":snap", epoch: tag + ":epoch",
		restoring: tag + ":restoring", channel: tag + ":ch"}
}

// unavailable wraps a failure to reach Redis so callers can tell it apart.
func unavailable(op, board string, err error) error {
	return fmt.Errorf("%s board %s: %w: %w", op, board, store.ErrUnavailable, err)
}

// scriptError turns append.lua's and read's refusals into the store's
// errors, and anything else into ErrUnavailable.
func scriptError(op, board string, err error) error {
	switch msg := err.Error(); {
	case strings.HasPrefix(msg, "RESET"):
		return fmt.Errorf("%s board %s: %w", op, board, store.ErrReset)
	case strings.HasPrefix(msg, "RESTORING"):
		return fmt.Errorf("%s board %s: %w", op, board, store.ErrRestoring)
	}
	return unavailable(op, board, err)
}

// Append runs append.lua: look the op's key up, INCR the seq, XADD the
// record under it, keep the key, PUBLISH the record for the other
// instances, in one step, if the log is of epoch.
func (l *Log) Append(ctx context.Context, board, epoch, key string, data []byte) (uint64, bool, error) {
	if err := store.CheckBoard(board); err != nil {
		return 0, false, err
	}
	if len(key) > store.MaxKeyLen {
		return 0, false, fmt.Errorf("append to board %s: op key of %d bytes is over %d", board, len(key), store.MaxKeyLen)
	}
	k := keysOf(board)
	res, err := appendScript.Run(ctx, l.rdb, append([]string{k.seq, k.log, k.epoch, k.restoring}, opsKeys(board, time.Now())...),
		data, epoch, randomID(), k.channel, l.publishCommand(), key, int(opsLife/time.Second), l.instance).Int64Slice()
	if err != nil {
		return 0, false, scriptError("append to", board, err)
	}
	if len(res) != 2 {
		return 0, false, fmt.Errorf("append to board %s: unexpected reply %v", board, res)
	}
	return uint64(res[0]), res[1] == 1, nil
}

// Create runs create.lua: the board's record 1 under a new epoch, unless
// the board has a log already (or one is being restored), in one step.
func (l *Log) Create(ctx context.Context, board string, data []byte) error {
	if err := store.CheckBoard(board); err != nil {
		return err
	}
	k := keysOf(board)
	err := createScript.Run(ctx, l.rdb, []string{k.seq, k.log, k.epoch, k.restoring},
		data, randomID(), k.channel, l.publishCommand(), l.instance).Err()
	if err != nil {
		if strings.HasPrefix(err.Error(), "EXISTS") {
			return fmt.Errorf("create board %s: %w", board, store.ErrExists)
		}
		return unavailable("create", board, err)
	}
	return nil
}

func (l *Log) publishCommand() string {
	if l.cluster {
		return "SPUBLISH"
	}
	return "PUBLISH"
}

// head is what Read and LoadSnapshot check in the same transaction as
// what they read: the log's epoch and last seq, and whether a restore is
// being decided.
type head struct {
	epoch, seq *goredis.StringCmd
	restoring  *goredis.IntCmd
}

func queueHead(ctx context.Context, p goredis.Pipeliner, k keys) head {
	return head{epoch: p.Get(ctx, k.epoch), seq: p.Get(ctx, k.seq), restoring: p.Exists(ctx, k.restoring)}
}

// check refuses a read by a replica of epoch at after, unless the log is
// live, of that epoch, and reaches after.
func (h head) check(op, board, epoch string, after uint64) error {
	if h.restoring.Val() == 1 {
		return fmt.Errorf("%s board %s: %w", op, board, store.ErrRestoring)
	}
	if epoch == "" {
		return nil
	}
	last, _ := strconv.ParseUint(h.seq.Val(), 10, 64)
	if h.epoch.Val() != epoch || last < after {
		return fmt.Errorf("%s board %s at %d of epoch %s: the log is at %d of epoch %q: %w",
			op, board, after, epoch, last, h.epoch.Val(), store.ErrReset)
	}
	return nil
}

// Read returns records after a seq with XRANGE, in one transaction with
// the log's head, so the records are of the epoch it names.
func (l *Log) Read(ctx context.Context, board, epoch string, after uint64, limit int) ([]store.Record, error) {
	if err := store.CheckBoard(board); err != nil {
		return nil, err
	}
	k := keysOf(board)
	var entries *goredis.XMessageSliceCmd
	var h head
	_, err := l.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		h = queueHead(ctx, p, k)
		entries = p.XRangeN(ctx, k.log, "("+strconv.FormatUint(after, 10)+"-1", "+", int64(limit))
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, unavailable("read", board, err)
	}
	if err := h.check("read", board, epoch, after); err != nil {
		return nil, err
	}
	recs := make([]store.Record, 0, len(entries.Val()))
	for _, m := range entries.Val() {
		seq, _, ok := strings.Cut(m.ID, "-")
		n, err := strconv.ParseUint(seq, 10, 64)
		data, isString := m.Values["d"].(string)
		if !ok || err != nil || !isString {
			return nil, fmt.Errorf("read board %s: malformed log entry %s", board, m.ID)
		}
		recs = append(recs, store.Record{Seq: n, Epoch: h.epoch.Val(), Data: []byte(data)})
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
	if err := snapshotScript.Run(ctx, l.rdb, []string{k.snap, k.log, k.epoch, k.restoring},
		snap.Seq, snap.Data, store.Keep, snap.Epoch).Err(); err != nil {
		return unavailable("save snapshot of", board, err)
	}
	return nil
}

// LoadSnapshot returns the stored snapshot with the log's epoch, or
// store.ErrNotFound.
func (l *Log) LoadSnapshot(ctx context.Context, board string) (store.Snapshot, error) {
	if err := store.CheckBoard(board); err != nil {
		return store.Snapshot{}, err
	}
	k := keysOf(board)
	var snapshot *goredis.SliceCmd
	var h head
	_, err := l.rdb.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		snapshot = p.HMGet(ctx, k.snap, "seq", "data")
		h = queueHead(ctx, p, k)
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return store.Snapshot{}, unavailable("load snapshot of", board, err)
	}
	if err := h.check("load snapshot of", board, "", 0); err != nil {
		return store.Snapshot{}, err
	}
	vals := snapshot.Val()
	seqText, ok1 := vals[0].(string)
	data, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return store.Snapshot{}, store.ErrNotFound
	}
	seq, err := strconv.ParseUint(seqText, 10, 64)
	if err != nil {
		return store.Snapshot{}, fmt.Errorf("load snapshot of board %s: bad seq %q", board, seqText)
	}
	return store.Snapshot{Seq: seq, Epoch: h.epoch.Val(), Data: []byte(data)}, nil
}

// Restore runs restore.lua (see store.Restorer).
func (l *Log) Restore(ctx context.Context, board string, snap store.Snapshot, keys []store.OpKey) error {
	if err := store.CheckBoard(board); err != nil {
		return err
	}
	k := keysOf(board)
	args := make([]any, 0, 8+2*len(keys))
	args = append(args, snap.Seq, snap.Data, snap.Epoch, randomID(), RestoreWindow.Milliseconds(), k.channel, l.publishCommand(), int(opsLife/time.Second))
	for _, key := range keys {
		args = append(args, key.Key, key.Seq)
	}
	restoring, err := restoreScript.Run(ctx, l.rdb, []string{k.seq, k.log, k.snap, k.epoch, k.restoring, opsKeys(board, time.Now())[1]}, args...).Int()
	if err != nil {
		return unavailable("restore", board, err)
	}
	if restoring == 1 {
		return fmt.Errorf("restore board %s: %w", board, store.ErrRestoring)
	}
	return nil
}

// Ping pings the server, or every primary of a cluster: a board on a
// shard that is down cannot be written.
func (l *Log) Ping(ctx context.Context) error {
	var err error
	if c, ok := l.rdb.(*goredis.ClusterClient); ok {
		err = c.ForEachMaster(ctx, func(ctx context.Context, shard *goredis.Client) error {
			return shard.Ping(ctx).Err()
		})
	} else {
		err = l.rdb.Ping(ctx).Err()
	}
	if err != nil {
		return fmt.Errorf("ping redis: %w: %w", store.ErrUnavailable, err)
	}
	return nil
}

// Close stops every subscription and closes the connections.
func (l *Log) Close() error {
	l.subs.close()
	l.boards.Close()
	return l.rdb.Close()
}
