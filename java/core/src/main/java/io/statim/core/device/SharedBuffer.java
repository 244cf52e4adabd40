package io.statim.core.device;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link DeviceBuffer} shared by several owners, such as the responses of one batch that each
 * hold a slice of the batch's output. Each owner calls {@link #release()} on its share once; the
 * buffer goes back to its pool when the last share is released.
 */
public final class SharedBuffer implements Releasable {
    private final DeviceBuffer buffer;
    private final AtomicInteger shares;

    /** Takes ownership of {@code buffer} on behalf of {@code shares} owners. */
    public SharedBuffer(DeviceBuffer buffer, int shares) {
        if (shares < 1) {
            throw new IllegalArgumentException("shares=" + shares + " must be >= 1");
        }
        this.buffer = buffer;
        this.shares = new AtomicInteger(shares);
    }

    public DeviceBuffer buffer() {
        return buffer;
    }

    /** Releases one share; the last one releases the buffer. */
    @Override
    public void release() {
        int left = shares.decrementAndGet();
        if (left == 0) {
            buffer.release();
        } else if (left < 0) {
            throw new IllegalStateException("shared buffer released more times than it has shares");
        }
    }
}
