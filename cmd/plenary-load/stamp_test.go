package main

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestStampedConn: bytes read through a stampedConn carry the time the
// kernel received them, which is after they were sent and before they
// were read.
func TestStampedConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := newStampedConn(client.(*net.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()

	// Stamping starts for the whole machine a moment after the first
	// socket asks for it; until then reads carry none.
	for deadline := time.Now().Add(30 * time.Second); sc.arrived.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no read carried a stamp")
		}
		if _, err := server.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(sc, make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
	}
	for _, msg := range []string{"first", "second"} {
		sent := time.Now()
		if _, err := server.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		// Read only a while after the bytes arrived.
		time.Sleep(20 * time.Millisecond)
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(sc, buf); err != nil || string(buf) != msg {
			t.Fatalf("read %q, %v; want %q", buf, err, msg)
		}
		read := time.Now()
		arrived := time.Unix(0, sc.arrived.Load())
		if arrived.Before(sent) || !arrived.Before(read.Add(-10*time.Millisecond)) {
			t.Errorf("%s: sent %v, arrived %v, read %v: want the arrival between, well before the read", msg, sent, arrived, read)
		}
	}
	server.Close()
	if n, err := sc.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after the peer closed: %d, %v; want io.EOF", n, err)
	}
}
