// Package hark is Hark's library facade: speech recognition in pure Go, from sound files or live audio to
// text with word times and confidences.
//
// Recognition runs audio → log-mel features → acoustic model → CTC beam search with an n-gram language model
// (packages audio, features, acoustic and decoder). This package puts them behind a small API:
//
//	r, err := hark.Default()                   // the embedded model; hark.Load(path, options...) for another
//	res, err := r.Transcribe(ctx, f)           // any WAV, FLAC or MP3 io.Reader, of any length
//	fmt.Println(res.Text)                      // res.Words and res.Segments carry times and confidences
//
//	l, err := r.NewListener(hark.ListenOptions{}, emit) // live audio, 16 kHz mono float32
//	err = l.Accept(samples)                    // as often as samples arrive: emit gets partials and finals
//	err = l.Close()                            // the last utterance's final
//
// A Listener ends utterances by endpoint rules checked after every frame of the model; Listen is the same loop
// reading from an AudioSource (a microphone); a Stream (NewStream: Accept, Partial, Final) is the level below,
// for callers that decide themselves where utterances end.
//
// A Recognizer is configured with Options (WithLM, WithoutLM, WithBeam, WithAlpha, WithBeta, WithHotWord,
// WithNBest, WithThreads, WithGreedy, WithVAD) and is safe for concurrent use. Transcribe cuts long inputs
// into speech segments with the VAD below and recognises them one by one while reading, in bounded memory;
// Recognize takes samples already in memory as one utterance (for utterances, not recordings); TranscribeStream runs a file through the
// streaming path. The default model lives in package models (models/files/en.hark and en.lm); Default
// returns ErrNoDefaultModel in a build that has none.
//
// What does not depend on the model lives here too:
//
//   - Result, Word, Segment and Alternative: a transcript with times in seconds and confidences in [0, 1]; its
//     JSON form is the jsonl line of `hark transcribe`.
//   - Output formats (Format, ParseFormat, WriteResult, WriteFile, Encoder): txt, json, jsonl, srt and vtt
//     subtitles with cues split at word times, and whisper.cpp-style tsv.
//   - Voice activity detection (VAD, Segmenter, DetectSpeech): finds speech in a stream of any length in
//     bounded memory, and gives silence, hum and steady noise no span at all, so the recogniser never sees them
//     and cannot hallucinate text from them. TranscribeSegments runs a recogniser over a long recording
//     segment by segment, reading it once.
//   - Endpointing (EndpointConfig, Endpointer): sherpa-onnx-style rules for when a live utterance is over.
//
// File transcription needs no cgo; only microphone capture (package audio/mic) does.
package hark
