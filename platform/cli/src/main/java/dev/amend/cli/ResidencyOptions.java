package dev.amend.cli;

import ai.djl.Device;
import dev.amend.runtime.io.Devices;
import dev.amend.runtime.model.Precision;
import dev.amend.runtime.model.Residency;
import java.util.List;
import picocli.CommandLine.Option;

/** The options that say where a model's weights live and in what type: device(s) and resident type. */
final class ResidencyOptions {
    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "${env:AMEND_DEVICE:-cpu}",
            description = "cpu (default) or cuda:N; also AMEND_DEVICE.")
    String device;

    @Option(names = "--devices", paramLabel = "LIST",
            description = "Spread the blocks over several devices in contiguous ranges, e.g. cuda:0,cuda:1 "
                    + "(overrides --device).")
    String devices;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "${env:AMEND_DTYPE:-float32}",
            description = "Type the weights are held in: float32 (default), float16 or bfloat16; also AMEND_DTYPE.")
    String dtype;

    /** Returns the resident type and devices the options name. */
    Residency residency() {
        List<Device> where = devices != null ? Devices.parseList(devices) : List.of(Devices.parse(device));
        return new Residency(Precision.parse(dtype), where);
    }
}
