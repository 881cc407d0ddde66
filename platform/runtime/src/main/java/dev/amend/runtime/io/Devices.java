package dev.amend.runtime.io;

import ai.djl.Device;
import dev.amend.spi.InvalidRequestException;
import java.util.Locale;

/** Parses device names from configuration: {@code cpu} (the default) or {@code cuda:N}. */
public final class Devices {
    private Devices() {
    }

    /** Returns the device named {@code name} ({@code cpu}, {@code cuda}, {@code cuda:N}); null or blank means cpu. */
    public static Device parse(String name) {
        if (name == null || name.isBlank()) {
            return Device.cpu();
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("cpu")) {
            return Device.cpu();
        }
        if (n.equals("cuda") || n.equals("gpu")) {
            return Device.gpu(0);
        }
        if (n.startsWith("cuda:") || n.startsWith("gpu:")) {
            try {
                return Device.gpu(Integer.parseInt(n.substring(n.indexOf(':') + 1)));
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new InvalidRequestException("unknown device \"" + name + "\": use cpu or cuda:N");
    }

    /** Returns the device configured by {@code -Damend.device} or {@code AMEND_DEVICE}, cpu by default. */
    public static Device configured() {
        String p = System.getProperty("amend.device");
        if (p == null) {
            p = System.getenv("AMEND_DEVICE");
        }
        return parse(p);
    }
}
