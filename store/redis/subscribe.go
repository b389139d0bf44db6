package redis

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/plenary/plenary/store"
)

const (
	// messageBuffer is how many messages go-redis may hold for us. Ours
	// never blocks (fanout queues per subscriber), so it only absorbs
	// bursts.
	messageBuffer = 4096
	// sendTimeout is how long go-redis waits on a full buffer before it
	// drops a message. Its default is a minute, during which the
	// subscription stalls; a dropped record is healed from the stream.
	sendTimeout = 100 * time.Millisecond
	// healthCheck pings an idle subscription so a dead connection is
	// noticed and re-made.
	healthCheck = 2 * time.Second
	// subscribeTimeout bounds a SUBSCRIBE; go-redis keeps the channel and
	// subscribes again when it reconnects, so a failure is not final.
	subscribeTimeout = 2 * time.Second
)

// subscriptions listens on the channels of the boards this process holds,
// from the first subscriber of a board to the last. On one Redis a single
// pub/sub connection carries every board; on a cluster each board has its
// own, on its shard (one connection cannot SSUBSCRIBE across shards). mu
// guards everything.
type subscriptions struct {
	l        *Log
	mu       sync.Mutex
	count    map[string]int // board → subscribers
	shared   *goredis.PubSub
	perBoard map[string]*goredis.PubSub
}

func newSubscriptions(l *Log) *subscriptions {
	return &subscriptions{l: l, count: map[string]int{}, perBoard: map[string]*goredis.PubSub{}}
}

// Subscribe delivers the board's records and ephemeral messages from
// other instances to ev (see store.Log). The channel is subscribed before Subscribe returns,
// so state loaded afterwards misses nothing that the channel carries.
func (l *Log) Subscribe(board string, ev store.Events) (cancel func()) {
	s, _ := l.boards.Subscribe(board, ev)
	l.subs.add(board)
	var once sync.Once
	return func() {
		once.Do(func() {
			l.boards.Unsubscribe(s)
			l.subs.remove(board)
		})
	}
}

func (s *subscriptions) add(board string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count[board]++; s.count[board] > 1 {
		return
	}
	channel := keysOf(board).channel
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	if s.l.cluster {
		ps := s.l.rdb.SSubscribe(ctx)
		_ = ps.SSubscribe(ctx, channel) // retried on reconnect; Resync follows
		s.perBoard[board] = ps
		go s.l.listen(ps)
		return
	}
	if s.shared == nil {
		s.shared = s.l.rdb.Subscribe(ctx)
		go s.l.listen(s.shared)
	}
	_ = s.shared.Subscribe(ctx, channel) // retried on reconnect; Resync follows
}

func (s *subscriptions) remove(board string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count[board]--; s.count[board] > 0 {
		return
	}
	delete(s.count, board)
	channel := keysOf(board).channel
	ctx, cancel := context.WithTimeout(context.Background(), subscribeTimeout)
	defer cancel()
	if ps := s.perBoard[board]; ps != nil {
		delete(s.perBoard, board)
		_ = ps.Close()
		return
	}
	if s.shared != nil {
		_ = s.shared.Unsubscribe(ctx, channel)
	}
}

func (s *subscriptions) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for board, ps := range s.perBoard {
		_ = ps.Close()
		delete(s.perBoard, board)
	}
	if s.shared != nil {
		_ = s.shared.Close()
		s.shared = nil
	}
}

// listen hands on what one pub/sub connection receives until it closes.
func (l *Log) listen(ps *goredis.PubSub) {
	for msg := range ps.ChannelWithSubscriptions(
		goredis.WithChannelSize(messageBuffer),
		goredis.WithChannelSendTimeout(sendTimeout),
		goredis.WithChannelHealthCheckInterval(healthCheck),
	) {
		l.receive(msg)
	}
}

// receive handles one pub/sub message. A subscription confirmation comes
// on the first subscribe and again whenever go-redis re-subscribes after a
// dropped connection, silently otherwise: messages may have been missed,
// so subscribers are told to resync.
func (l *Log) receive(msg any) {
	switch m := msg.(type) {
	case *goredis.Subscription:
		if m.Kind == "subscribe" || m.Kind == "ssubscribe" {
			l.boards.Resync(boardOf(m.Channel))
		}
	case *goredis.Message:
		board := boardOf(m.Channel)
		kind, rest, _ := strings.Cut(m.Payload, "|")
		switch kind {
		case "r":
			instance, rest, _ := strings.Cut(rest, "|")
			if instance == l.instance {
				return // Append answered it here
			}
			epoch, rest, _ := strings.Cut(rest, "|")
			seqText, data, _ := strings.Cut(rest, "|")
			seq, err := strconv.ParseUint(seqText, 10, 64)
			if err != nil {
				l.boards.Resync(board)
				return
			}
			l.boards.Record(board, store.Record{Seq: seq, Epoch: epoch, Data: []byte(data)})
		case "x":
			// restore.lua took a copy of the board: every replica of it
			// checks the log, and offers its own copy if it is ahead.
			l.boards.Resync(board)
		case "e":
			instance, data, _ := strings.Cut(rest, "|")
			if instance != l.instance {
				l.boards.Ephemeral(board, []byte(data))
			}
		}
	}
}

// boardOf is the board of a channel name "{b:ID}:ch".
func boardOf(channel string) string {
	board := strings.TrimPrefix(channel, "{b:")
	board, _, _ = strings.Cut(board, "}")
	return board
}

// Publish sends an ephemeral message to the board's other instances on its
// channel; ours are dropped when they come back.
func (l *Log) Publish(ctx context.Context, board string, data []byte) error {
	if err := store.CheckBoard(board); err != nil {
		return err
	}
	channel, payload := keysOf(board).channel, "e|"+l.instance+"|"+string(data)
	var err error
	if l.cluster {
		err = l.rdb.SPublish(ctx, channel, payload).Err()
	} else {
		err = l.rdb.Publish(ctx, channel, payload).Err()
	}
	if err != nil {
		return unavailable("publish to", board, err)
	}
	return nil
}
