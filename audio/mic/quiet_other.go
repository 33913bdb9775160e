//go:build cgo && !nomic && !unix

package mic

// quietAudioLibs does nothing where there is neither ALSA nor JACK to silence.
func quietAudioLibs() {}
