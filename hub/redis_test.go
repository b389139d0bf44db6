package hub_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/store"
	"github.com/plenary/plenary/store/redis"
	"github.com/plenary/plenary/store/redis/redistest"
)

// instances starts n hubs in this process, each with its own connections
// to the Redis at url, as n servers behind a load balancer would be.
func instances(t *testing.T, url string, n int) []*testServer {
	t.Helper()
	var servers []*testServer
	for range n {
		servers = append(servers, instance(t, url))
	}
	return servers
}

// instance starts one hub on the Redis at url.
func instance(t *testing.T, url string) *testServer {
	t.Helper()
	return startServerOn(t, openRedis(t, url))
}

func openRedis(t *testing.T, url string) *redis.Log {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log, err := redis.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// lossyLog loses the delivery of one record to this instance's
// subscribers, as Redis pub/sub may (it delivers at most once), and never
// says that delivery was interrupted.
type lossyLog struct {
	store.Log
	lose atomic.Uint64 // the seq to lose
}

func (l *lossyLog) Subscribe(board string, ev store.Events) (cancel func()) {
	record := ev.Record
	ev.Record = func(rec store.Record) {
		if rec.Seq != l.lose.Load() {
			record(rec)
		}
	}
	ev.Resync = nil
	return l.Log.Subscribe(board, ev)
}

// lossyPair is two instances on one redis-server, the second on a
// lossyLog, a board created on the first, its facilitator there and the
// facilitator's second screen on the other instance.
type lossyPair struct {
	a, b         *testServer
	lossy        *lossyLog
	created      created
	fac, watcher *client.Client
}

func startLossyPair(t *testing.T, title, prompt string) lossyPair {
	t.Helper()
	srv := redistest.Start(t)
	p := lossyPair{a: instance(t, srv.URL()), lossy: &lossyLog{Log: openRedis(t, srv.URL())}}
	p.b = startServerOn(t, p.lossy)
	p.created = p.a.create(title, prompt)
	p.fac = p.a.facilitator(p.created)
	p.watcher = p.b.dial(client.Hello{Board: p.created.ID, Token: p.fac.Token})
	return p
}

// TestLostLastRecord: an instance whose subscription lost the last change
// of a burst, with nothing after it to show the gap, still brings its
// screens up to the board.
func TestLostLastRecord(t *testing.T) {
	p := startLossyPair(t, "Lossy", "Who hears the last word?")
	a, lossy, created, fac, watcher := p.a, p.lossy, p.created, p.fac, p.watcher
	f := do(t, fac, board.Op{Kind: board.BoardEdit, Title: "Lossy", Prompt: "The last word"})
	// The watcher's instance hears the board live before it loses a
	// record of it.
	if err := watcher.WaitSeq(ctxT(t), f.Seq); err != nil {
		t.Fatal(err)
	}
	lossy.lose.Store(f.Seq + 1)
	do(t, fac, board.Op{Kind: board.BoardEdit, Title: "Lossy", Prompt: "The very last word"})
	assertConverged(t, a.log, created.ID, fac, watcher)
}

func TestScenarioOnThreeInstances(t *testing.T) {
	srv := redistest.Start(t, redistest.Persistent...)
	playScenario(t, instances(t, srv.URL(), 3)...)
}

func TestScenarioOnRedisCluster(t *testing.T) {
	cluster := redistest.StartCluster(t)
	playScenario(t, instances(t, cluster.URL(), 3)...)
}

// room is a board with a facilitator and participants in groups, spread
// over several instances.
type room struct {
	b      created
	fac    *client.Client
	people []*client.Client
	groups map[string]string // participant → group
}

func newRoom(t *testing.T, servers []*testServer, participants int) *room {
	t.Helper()
	r := &room{b: servers[0].create("Convergence", "Does every screen agree?"), groups: map[string]string{}}
	r.fac = servers[0].facilitator(r.b)
	for i := range participants {
		role := []board.Role{board.CivilServant, board.CivilSociety}[i%2]
		r.people = append(r.people, servers[i%len(servers)].join(r.b, fmt.Sprintf("P%d", i), role))
	}
	do(t, r.fac, board.Op{Kind: board.GroupsForm, Size: 4})
	seq := r.fac.Seq()
	for _, c := range r.people {
		if err := c.WaitSeq(ctxT(t), seq); err != nil {
			t.Fatal(err)
		}
		var p board.Participant
		c.Get("participant", c.You, &p)
		r.groups[c.You] = p.Group
	}
	return r
}

func (r *room) everyone() []*client.Client { return append([]*client.Client{r.fac}, r.people...) }

func pos(rng *rand.Rand) *float64 { v := rng.Float64(); return &v }

// TestConvergence: many participants on three instances race each other
// for a few seconds (themes made, renamed and deleted while notes are
// dragged into them and deleted; dots racing the budget while themes
// vanish). Every screen ends with the same board as a fresh replay of the
// log, and no participant is over budget.
func TestConvergence(t *testing.T) {
	srv := redistest.Start(t)
	servers := instances(t, srv.URL(), 3)
	r := newRoom(t, servers, 18)
	var notes []string
	for _, c := range r.people {
		for i := range 3 {
			f := do(t, c, board.Op{Kind: board.NoteAdd, Chart: r.groups[c.You], Text: fmt.Sprintf("%s idea %d", c.You, i), X: pos(rand.New(rand.NewPCG(1, uint64(i)))), Y: pos(rand.New(rand.NewPCG(2, uint64(i))))})
			notes = append(notes, noteID(t, f))
		}
	}
	do(t, r.fac, board.Op{Kind: board.PhaseSet, Phase: board.Cluster})

	var applied, refusedOps atomic.Int64
	race := func(d time.Duration, step func(c *client.Client, rng *rand.Rand) board.Op) {
		var wg sync.WaitGroup
		deadline := time.Now().Add(d)
		for i, c := range r.everyone() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(i), 42))
				for time.Now().Before(deadline) {
					if _, err := c.Do(context.Background(), step(c, rng)); err != nil {
						var be *board.Error
						if !errors.As(err, &be) {
							t.Error(err)
							return
						}
						refusedOps.Add(1)
					} else {
						applied.Add(1)
					}
					time.Sleep(40 * time.Millisecond) // under the rate limit
				}
			}()
		}
		wg.Wait()
	}
	var themes sync.Map // theme ids seen created
	anyTheme := func(rng *rand.Rand) string {
		var ids []string
		themes.Range(func(k, _ any) bool { ids = append(ids, k.(string)); return true })
		if len(ids) == 0 {
			return "t1"
		}
		return ids[rng.IntN(len(ids))]
	}
	anyNote := func(rng *rand.Rand) string { return notes[rng.IntN(len(notes))] }

	race(2*time.Second, func(c *client.Client, rng *rand.Rand) board.Op {
		switch n := rng.IntN(10); {
		case c.Facilitator && n < 3:
			return board.Op{Kind: board.NoteDelete, Note: anyNote(rng)}
		case c.Facilitator && n < 5:
			return board.Op{Kind: board.ThemeDelete, Theme: anyTheme(rng)}
		case n < 2:
			return board.Op{Kind: board.ThemeCreate, Notes: []string{anyNote(rng), anyNote(rng)}, X: pos(rng), Y: pos(rng)}
		case n < 4:
			return board.Op{Kind: board.ThemeRename, Theme: anyTheme(rng), Name: fmt.Sprintf("theme by %s", c.You)}
		case n < 7:
			return board.Op{Kind: board.NoteTheme, Note: anyNote(rng), Theme: anyTheme(rng)}
		default:
			return board.Op{Kind: board.NoteMove, Note: anyNote(rng), X: pos(rng), Y: pos(rng)}
		}
	})
	st := replay(t, servers[0].log, r.b.ID)
	for id := range st.Themes {
		themes.Store(id, true)
	}
	assertConverged(t, servers[0].log, r.b.ID, r.everyone()...)

	do(t, r.fac, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
	items := func(rng *rand.Rand) string {
		if rng.IntN(2) == 0 {
			return anyTheme(rng)
		}
		return anyNote(rng)
	}
	race(2*time.Second, func(c *client.Client, rng *rand.Rand) board.Op {
		switch n := rng.IntN(10); {
		case c.Facilitator && n < 2:
			return board.Op{Kind: board.ThemeDelete, Theme: anyTheme(rng)}
		case c.Facilitator:
			return board.Op{Kind: board.NoteMove, Note: anyNote(rng), X: pos(rng), Y: pos(rng)}
		case n < 8:
			return board.Op{Kind: board.VoteCast, Item: items(rng)}
		default:
			return board.Op{Kind: board.VoteRetract, Item: items(rng)}
		}
	})
	if applied.Load() == 0 || refusedOps.Load() == 0 {
		t.Fatalf("%d ops applied and %d refused: the race did not race", applied.Load(), refusedOps.Load())
	}
	assertConverged(t, servers[0].log, r.b.ID, r.everyone()...)
	final := replay(t, servers[0].log, r.b.ID)
	budget := final.Info.Settings.VotesPerParticipant
	for who, votes := range final.Votes {
		used := 0
		for _, n := range votes {
			used += n
		}
		if used > budget {
			t.Errorf("%s has %d dots, over the budget of %d", who, used, budget)
		}
	}
	t.Logf("%d ops applied, %d refused", applied.Load(), refusedOps.Load())
}
