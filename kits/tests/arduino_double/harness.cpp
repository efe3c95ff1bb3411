// Drives the shared Arduino lab code with recorded sensor data from stdin-free files:
//   harness motion FILE   FILE: int16 little-endian samples, 6 per instant, fed at 50 Hz
//   harness audio FILE    FILE: int16 little-endian samples at 16 kHz, fed in 256-sample chunks
// RESULT frames go to stdout exactly as a board would send them over USB.
#include <cstdlib>
#include <vector>

#include "KitsLabs.h"
#include "model_select.h"

uint32_t fake_micros = 0;
SerialDouble Serial;

static int8_t arena[KITS_SELECTED_ARENA_BYTES];
static int8_t modelInput[KITS_SELECTED_INPUT_SIZE];
static int16_t samples[KITS_SELECTED_INPUT_SAMPLES * KITS_SELECTED_INPUT_AXES];
static int16_t history[KITS_SELECTED_INPUT_SAMPLES * KITS_SELECTED_INPUT_AXES];
static int16_t imuStorage[KITS_SELECTED_INPUT_SAMPLES * KITS_SELECTED_INPUT_AXES];
static kits_audio_scratch_t scratch;

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    FILE *f = fopen(argv[2], "rb");
    if (!f) return 3;
    std::vector<int16_t> data;
    int16_t v;
    while (fread(&v, sizeof v, 1, f) == 1) data.push_back(v);
    fclose(f);
    kits::SerialApp app("arduino-double", KITS_SELECTED_MODEL,
                        {samples, modelInput, arena, sizeof(arena), &scratch, imuStorage});
    if (!app.begin()) return 4;
    if (std::strcmp(argv[1], "motion") == 0) {
        kits::MotionLab lab(app, history, samples);
        for (size_t i = 0; i + 6 <= data.size(); i += 6) {
            fake_micros += 1000000u / kits::MotionLab::kRateHz;
            if (!lab.due()) return 5;
            // The IMU libraries report g and deg/s; undo the training units to feed them.
            lab.push(data[i] / 8192.0f, data[i + 1] / 8192.0f, data[i + 2] / 8192.0f,
                     data[i + 3] / 16.4f, data[i + 4] / 16.4f, data[i + 5] / 16.4f);
            app.poll();
        }
    } else {
        kits::AudioLab lab(app, history, samples);
        for (size_t i = 0; i < data.size(); i += 256) {
            size_t n = data.size() - i < 256 ? data.size() - i : 256;
            lab.pushFromInterrupt(&data[i], n);
            lab.service();
            app.poll();
        }
    }
    fflush(stdout);
    return 0;
}
