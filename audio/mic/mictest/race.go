//go:build race

package mictest

// raceEnabled is true under -race, which turns on checkptr. The PortAudio binding passes a stream id to C as a
// pointer, which checkptr rejects with a fatal error when a stream opens (the class of gordonklaus/portaudio
// issue #57), so UseRaw skips unless checkptr is off for that package:
//
//	HARK_MIC_CHECKPTR_OFF=1 go test -race -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0 ./audio/mic/...
const raceEnabled = true
