//go:build !race

package mictest

const raceEnabled = false
