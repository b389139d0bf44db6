// Package workshoptest holds the realistic room the tests play: the
// Community of Practice inception workshop of shared/workshop/scenario.json,
// copied here so the tests need nothing outside the repository.
package workshoptest

import (
	_ "embed"
	"encoding/json"

	"github.com/plenary/plenary/board"
)

//go:embed scenario.json
var scenarioJSON []byte

// Scenario is the room: its title and prompt, the size of its breakout
// groups, each person's dots, the people (the facilitator first) and the
// ideas they bring.
type Scenario struct {
	Title        string `json:"title"`
	Prompt       string `json:"prompt"`
	GroupSize    int    `json:"groupSize"`
	Votes        int    `json:"votesPerParticipant"`
	Participants []struct {
		Name string     `json:"name"`
		Role board.Role `json:"role"`
	} `json:"participants"`
	Ideas []string `json:"ideas"`
}

// Load reads the scenario; it panics if the embedded file is broken, which
// no test could get past.
func Load() Scenario {
	var s Scenario
	if err := json.Unmarshal(scenarioJSON, &s); err != nil {
		panic("workshoptest: scenario.json: " + err.Error())
	}
	return s
}
