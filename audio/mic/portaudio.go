//go:build cgo && !nomic

package mic

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/gordonklaus/portaudio"

	"github.com/harkspeech/hark/audio"
)

// paMu serialises every call into PortAudio. It is the package's one mutable global, and PortAudio forces it:
// Pa_Initialize and Pa_Terminate act on process-wide state and are not thread-safe, and the Go binding keeps
// an unsynchronised initialisation count and device cache of its own. Programs that also call the binding
// directly must not do so concurrently with this package.
//
// Initialisation itself is reference-counted by PortAudio: Devices initialises and terminates around the
// listing, and each open Stream holds one initialisation until Close.
var paMu sync.Mutex

// initialize initialises PortAudio with the audio libraries' start-up chatter silenced. Call with paMu held.
func initialize() error {
	quietAudioLibs()
	if err := portaudio.Initialize(); err != nil {
		return fmt.Errorf("mic: initialising PortAudio: %w", err)
	}
	return nil
}

// Devices lists the audio input devices PortAudio can open, in PortAudio's order. PortAudio scans for devices
// when it is first initialised: while a Stream is open, devices plugged in since do not show.
func Devices() ([]Device, error) {
	paMu.Lock()
	defer paMu.Unlock()
	if err := initialize(); err != nil {
		return nil, err
	}
	defer portaudio.Terminate()
	devs, _, err := inputDevices()
	return devs, err
}

// inputDevices returns the input devices and PortAudio's records of them, index for index. Call with PortAudio
// initialised and paMu held.
func inputDevices() ([]Device, []*portaudio.DeviceInfo, error) {
	all, err := portaudio.Devices()
	if err != nil {
		return nil, nil, fmt.Errorf("mic: listing devices: %w", err)
	}
	// No default input is not an error here: the listing says so by marking none.
	def, _ := portaudio.DefaultInputDevice()
	var devs []Device
	var infos []*portaudio.DeviceInfo
	for _, d := range all {
		if d.MaxInputChannels <= 0 {
			continue
		}
		host := ""
		if d.HostApi != nil {
			host = d.HostApi.Name
		}
		devs = append(devs, Device{
			Name:        d.Name,
			HostAPI:     host,
			MaxChannels: d.MaxInputChannels,
			DefaultRate: d.DefaultSampleRate,
			Default:     def != nil && d.Index == def.Index,
		})
		infos = append(infos, d)
	}
	return devs, infos, nil
}

// Open starts capturing from the device cfg selects. The caller must Close the Stream.
//
// A device that does not exist gives a *NoDeviceError listing the input devices there are.
func Open(cfg Config) (*Stream, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}

	paMu.Lock()
	defer paMu.Unlock()
	if err := initialize(); err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			portaudio.Terminate()
		}
	}()

	devs, infos, err := inputDevices()
	if err != nil {
		return nil, err
	}
	pick := -1
	for i, d := range devs {
		if (cfg.Device == "" && d.Default) || (cfg.Device != "" && d.Name == cfg.Device) {
			pick = i
			break
		}
	}
	if pick < 0 {
		return nil, &NoDeviceError{Name: cfg.Device, Available: devs}
	}
	dev, info := devs[pick], infos[pick]

	rate := cfg.Rate
	if rate == 0 {
		rate = int(math.Round(info.DefaultSampleRate))
		if rate < audio.MinSourceRate || rate > audio.MaxSourceRate {
			return nil, fmt.Errorf("mic: device %q reports a default rate of %g Hz; choose a rate", dev.Name,
				info.DefaultSampleRate)
		}
	}
	latency := cfg.Latency
	if latency <= 0 {
		latency = info.DefaultLowInputLatency
	}

	// The Stream is made before PortAudio's, as the callback delivers into its ring; channels is fixed below
	// before the ring is sized.
	var s *Stream
	callback := func(in []float32, _ portaudio.StreamCallbackTimeInfo, flags portaudio.StreamCallbackFlags) {
		s.ring.push(in, flags&portaudio.InputOverflow != 0)
	}
	params := func(channels int) portaudio.StreamParameters {
		return portaudio.StreamParameters{
			Input:           portaudio.StreamDeviceParameters{Device: info, Channels: channels, Latency: latency},
			SampleRate:      float64(rate),
			FramesPerBuffer: portaudio.FramesPerBufferUnspecified,
		}
	}
	channels := cfg.Channels
	if channels == 0 {
		// Mono saves the downmix, but some hardware only captures in pairs: take the fewest channels it accepts.
		channels = 1
		for _, c := range []int{1, 2, info.MaxInputChannels} {
			if c <= info.MaxInputChannels && portaudio.IsFormatSupported(params(c), callback) == nil {
				channels = c
				break
			}
		}
	} else if channels > info.MaxInputChannels {
		return nil, fmt.Errorf("mic: device %q has %d input channels, not %d", dev.Name, info.MaxInputChannels,
			channels)
	}

	s = newStream(dev, rate, channels, cfg)
	pa, err := portaudio.OpenStream(params(channels), callback)
	if err != nil {
		return nil, fmt.Errorf("mic: opening %q at %d Hz, %d channels: %w", dev.Name, rate, channels, err)
	}
	if err := pa.Start(); err != nil {
		pa.Close()
		return nil, fmt.Errorf("mic: starting %q: %w", dev.Name, err)
	}
	s.stop = func() error {
		paMu.Lock()
		defer paMu.Unlock()
		// Abort rather than Stop: there is no output to play out, and Abort does not wait on a stuck device.
		err := pa.Abort()
		if errors.Is(err, portaudio.StreamIsStopped) {
			err = nil
		}
		err = errors.Join(err, pa.Close(), portaudio.Terminate())
		if err != nil {
			return fmt.Errorf("mic: closing %q: %w", dev.Name, err)
		}
		return nil
	}
	started = true
	return s, nil
}
