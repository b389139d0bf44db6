package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/cmd/plenary-load/internal/workshop"
	"github.com/plenary/plenary/hub/client"
)

// The facilitator of a storm run sends its ops from a process of its own:
// this one reads thousands of screens on its cores, so an answer waits
// here behind the joins every other screen is sent, and stamps written
// 100 ms apart come out together. A screen in a process that reads one
// socket times its answers as the facilitator's browser would.
const (
	facilitatorCommand = "facilitator"
	// facilitatorToken carries the token to the child, out of its
	// command line.
	facilitatorToken = "PLENARY_LOAD_TOKEN"
)

// facilitatorProcess is the child process sending the facilitator's ops.
type facilitatorProcess struct {
	stdin io.Closer
	done  chan error // the child's answers read and the child waited for
	once  sync.Once
	err   error
}

// startFacilitator starts the child on board w, sending rate ops a second
// until stop, and records the answer to each op sent within the meter's
// window in its ack latency.
func (l *load) startFacilitator(ctx context.Context, w *workshop.Board) (*facilitatorProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, facilitatorCommand, "-url", w.Base, "-board", w.ID, "-rate", strconv.FormatFloat(l.cfg.Rate, 'g', -1, 64))
	cmd.Env = append(os.Environ(), facilitatorToken+"="+w.Token)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the facilitator's process: %w", err)
	}
	// A facilitator's browser has a device of its own, not a core shared
	// with thousands of screens: the child gets the core first whenever
	// its socket has something, as its own device would give it.
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, -10); err != nil {
		fmt.Fprintf(os.Stderr, "plenary-load: the facilitator's process keeps its priority (%v), so its figures include waiting for the screens' core\n", err)
	}
	p := &facilitatorProcess{stdin: stdin, done: make(chan error, 1)}
	go func() {
		err := l.readAnswers(stdout)
		p.done <- errors.Join(err, cmd.Wait())
	}()
	return p, nil
}

// readAnswers counts what the child reports: "sent NS" for each op it
// sends and "answered NS TOOK" for each answer, NS the op's send time on
// the wall clock and TOOK how long its answer took, in nanoseconds. An
// answer to an op sent within the meter's window is an ack latency.
func (l *load) readAnswers(r io.Reader) error {
	lines := bufio.NewScanner(r)
	for lines.Scan() {
		var sent, took int64
		switch what, _, _ := strings.Cut(lines.Text(), " "); what {
		case "sent":
			if _, err := fmt.Sscanf(lines.Text(), "sent %d", &sent); err != nil {
				return fmt.Errorf("the facilitator's process said %q", lines.Text())
			}
			l.m.Counts.Sent.Add(1)
		case "answered":
			if _, err := fmt.Sscanf(lines.Text(), "answered %d %d", &sent, &took); err != nil {
				return fmt.Errorf("the facilitator's process said %q", lines.Text())
			}
			l.m.Counts.Acked.Add(1)
			if l.m.Counted(l.m.FromWall(sent)) {
				l.m.Ack.Record(time.Duration(took))
			}
		default:
			return fmt.Errorf("the facilitator's process said %q", lines.Text())
		}
	}
	return lines.Err()
}

// stop ends the child and waits until every answer it reported is read;
// a second call returns what the first did.
func (p *facilitatorProcess) stop() error {
	p.once.Do(func() {
		p.stdin.Close()
		p.err = <-p.done
	})
	return p.err
}

// facilitatorMain is the child: it joins as the facilitator and starts the
// timer rate times a second, reporting each op and each answer on stdout
// (readAnswers), until its stdin closes.
func facilitatorMain(args []string) error {
	fs := flag.NewFlagSet("plenary-load "+facilitatorCommand, flag.ExitOnError)
	base := fs.String("url", "", "the instance")
	boardID := fs.String("board", "", "the board")
	rate := fs.Float64("rate", 10, "ops a second")
	_ = fs.Parse(args) // ExitOnError
	if *rate <= 0 {
		return errors.New("the rate must be above 0")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	c, err := client.Dial(ctx, *base, client.Hello{Board: *boardID, Token: os.Getenv(facilitatorToken)}, client.Options{})
	if err != nil {
		return err
	}
	defer c.Close()
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format, args...)
		out.Flush()
	}
	var answers sync.WaitGroup
	every := time.Duration(float64(time.Second) / *rate)
	for i, next := 0, time.Now(); sleepUntil(ctx, next); i, next = i+1, next.Add(every) {
		ref := "f" + strconv.Itoa(i)
		sent := time.Now()
		ch, err := c.StartAs(ctx, ref, board.Op{Kind: board.TimerStart, Seconds: 300})
		if err != nil {
			return err
		}
		report("sent %d\n", sent.UnixNano())
		answers.Go(func() {
			if _, err := c.Wait(ctx, ref, ch); err == nil {
				report("answered %d %d\n", sent.UnixNano(), time.Since(sent).Nanoseconds())
			}
		})
	}
	answers.Wait()
	return nil
}
