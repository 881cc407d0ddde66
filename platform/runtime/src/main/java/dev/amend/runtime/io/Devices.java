package dev.amend.runtime.io;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.amend.spi.InvalidRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Parses device names from configuration ({@code cpu}, the default, or {@code cuda:N}) and checks them against this
 * build and machine: a CUDA device from a build with PyTorch's CPU natives, or a GPU index the machine does not have,
 * is refused with what to do instead.
 */
public final class Devices {
    private Devices() {
    }

    /** Returns the device named {@code name} ({@code cpu}, {@code cuda}, {@code cuda:N}); null or blank means cpu. */
    public static Device parse(String name) {
        Device d = syntax(name);
        if (d.isGpu()) {
            checkGpu(d, name.strip());
        }
        return d;
    }

    /**
     * Returns the devices of a comma-separated list ({@code cuda:0,cuda:1}; the same device may repeat, e.g.
     * {@code cpu,cpu} to exercise a split on one machine).
     */
    public static List<Device> parseList(String names) {
        if (names == null || names.isBlank()) {
            throw new InvalidRequestException("--devices needs at least one device, e.g. cuda:0,cuda:1");
        }
        List<Device> out = new ArrayList<>();
        for (String n : names.split(",")) {
            if (n.isBlank()) {
                throw new InvalidRequestException("--devices \"" + names + "\" has an empty entry: use e.g. cuda:0,cuda:1");
            }
            out.add(parse(n));
        }
        return out;
    }

    /** Returns the device configured by {@code -Damend.device} or {@code AMEND_DEVICE}, cpu by default. */
    public static Device configured() {
        String p = System.getProperty("amend.device");
        if (p == null) {
            p = System.getenv("AMEND_DEVICE");
        }
        return parse(p);
    }

    /** Returns the name of {@code device} as configuration writes it: {@code cpu} or {@code cuda:N}. */
    public static String name(Device device) {
        return device.isGpu() ? "cuda:" + device.getDeviceId() : device.getDeviceType();
    }

    /** Returns the flavor of the PyTorch natives on the class path ({@code cpu}, {@code cu124}), or null if none. */
    public static String nativeFlavor() {
        String best = null;
        try {
            Enumeration<URL> urls = Devices.class.getClassLoader().getResources("native/lib/pytorch.properties");
            while (urls.hasMoreElements()) {
                Properties p = new Properties();
                try (InputStream in = urls.nextElement().openStream()) {
                    p.load(in);
                }
                String flavor = p.getProperty("flavor", "");
                if (best == null || flavor.startsWith("cu")) {
                    best = flavor;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the PyTorch natives' properties", e);
        }
        return best;
    }

    private static Device syntax(String name) {
        if (name == null || name.isBlank()) {
            return Device.cpu();
        }
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.equals("cpu")) {
            return Device.cpu();
        }
        if (n.equals("cuda") || n.equals("gpu")) {
            return Device.gpu(0);
        }
        if (n.startsWith("cuda:") || n.startsWith("gpu:")) {
            try {
                int index = Integer.parseInt(n.substring(n.indexOf(':') + 1));
                if (index >= 0) {
                    return Device.gpu(index);
                }
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new InvalidRequestException("unknown device \"" + name + "\": use cpu or cuda:N");
    }

    private static void checkGpu(Device d, String name) {
        String flavor = nativeFlavor();
        if (flavor != null && !flavor.startsWith("cu")) {
            throw new InvalidRequestException("device " + name + " needs PyTorch's CUDA natives, but this build has the "
                    + flavor + " ones: build with -Pcuda (mvn -Pcuda -DskipTests -pl platform/cli -am package) on a"
                    + " machine with an NVIDIA driver, or use cpu");
        }
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (d.getDeviceId() >= gpus) {
            StringBuilder have = new StringBuilder("cpu");
            for (int i = 0; i < gpus; i++) {
                have.append(i == gpus - 1 ? " and " : ", ").append("cuda:").append(i);
            }
            throw new InvalidRequestException("device " + name + " does not exist: this machine has " + have
                    + (gpus == 0 ? " (PyTorch sees no CUDA device)" : "") + "; use one of them");
        }
    }
}
