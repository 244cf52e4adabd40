package io.statim.core.device;

import java.util.List;

/** Test helper: fails when a device still has leased buffers. Shared with other modules' tests. */
public final class LeakCheck {
    private LeakCheck() {
    }

    /** Throws an AssertionError listing every buffer of {@code device} that was not released. */
    public static void assertNoLeaks(Device device) {
        List<String> leaks = device.leakReport();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " buffer(s) leaked on " + device.name() + ":\n" + String.join("\n", leaks));
        }
    }

    /** A host device that records where each buffer was allocated. */
    public static HostDevice trackingHostDevice() {
        return new HostDevice(new HostDevice.Config(1L << 20, java.util.Map.of(), true));
    }
}
