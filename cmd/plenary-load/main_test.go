package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary be a storm's facilitator process, as the
// plenary-load binary is in a real run (facilitator.go).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == facilitatorCommand {
		main()
		return
	}
	os.Exit(m.Run())
}
