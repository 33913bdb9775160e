//go:build cgo && !nomic && unix

package mic

/*
#cgo linux LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>

// ALSA and JACK print dozens of lines on stderr while PortAudio probes them (missing cards, no JACK server).
// Their error and info hooks are set to functions that print nothing. The hooks are found with dlsym rather
// than linked, so that a PortAudio built without JACK (or without ALSA, as on macOS) needs neither library.

static void harkQuietALSA(const char *file, int line, const char *function, int err, const char *fmt, ...) {}
static void harkQuietJACK(const char *msg) {}

typedef void (*harkALSAHandler)(const char *, int, const char *, int, const char *, ...);
typedef int (*harkALSASetHandler)(harkALSAHandler);
typedef void (*harkJACKSetFunction)(void (*)(const char *));

static void harkQuietAudioLibs(void) {
	harkALSASetHandler alsa = (harkALSASetHandler)dlsym(RTLD_DEFAULT, "snd_lib_error_set_handler");
	if (alsa) alsa(harkQuietALSA);
	harkJACKSetFunction jack = (harkJACKSetFunction)dlsym(RTLD_DEFAULT, "jack_set_error_function");
	if (jack) jack(harkQuietJACK);
	jack = (harkJACKSetFunction)dlsym(RTLD_DEFAULT, "jack_set_info_function");
	if (jack) jack(harkQuietJACK);
}
*/
import "C"

// quietAudioLibs silences ALSA's and JACK's diagnostics for the whole process (the hooks are process-wide in
// both libraries). Doing it before every initialisation is cheap and needs no state.
func quietAudioLibs() { C.harkQuietAudioLibs() }
