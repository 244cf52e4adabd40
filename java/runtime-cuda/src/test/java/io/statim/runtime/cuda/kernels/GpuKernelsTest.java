package io.statim.runtime.cuda.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.core.device.DeviceBuffer;
import io.statim.core.device.MemoryUse;
import io.statim.runtime.cuda.CudaDevice;
import io.statim.runtime.cuda.CudaStream;
import io.statim.runtime.cuda.GpuTests;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each CUDA kernel against its Java reference. Needs a GPU and the CUDA build: skipped with the reason elsewhere. */
class GpuKernelsTest {
    private KernelLibrary kernels;
    private CudaDevice device;
    private CudaStream stream;
    private final KernelCases cases = new KernelCases();

    @BeforeEach
    void gpu() {
        kernels = GpuTests.assumeCudaKernels();
        device = CudaDevice.open(CudaDevice.Config.defaults(0));
        stream = device.newStream();
    }

    @AfterEach
    void close() {
        if (stream != null) {
            stream.close();
            device.close();
        }
    }

    @Test
    void packAndUnpackMatchTheReference() {
        for (int elemBytes : new int[] {1, 2, 4, 8}) {
            try (Arena arena = Arena.ofConfined()) {
                long itemBytes = (long) KernelCases.WIDTH * elemBytes;
                MemorySegment src = KernelCases.bytes(arena, cases.items * itemBytes, elemBytes);
                long paddedBytes = (long) KernelCases.ROWS * KernelCases.MAX_LEN * itemBytes;
                MemorySegment expected = arena.allocate(paddedBytes, 8);
                long pad = 0x0102_0304_0506_0708L;
                CpuKernels.packPadded(expected, src, cases.offsets, cases.lengths, KernelCases.MAX_LEN, KernelCases.WIDTH, elemBytes, pad);
                DeviceBuffer dSrc = upload(src);
                DeviceBuffer dOffsets = upload(arena.allocateFrom(ValueLayout.JAVA_LONG, cases.offsets));
                DeviceBuffer dLengths = upload(arena.allocateFrom(ValueLayout.JAVA_INT, cases.lengths));
                DeviceBuffer dPadded = device.allocate(paddedBytes, MemoryUse.STAGING);
                kernels.packPadded(dPadded.segment(), dSrc.segment(), dOffsets.segment(), dLengths.segment(), KernelCases.ROWS,
                        KernelCases.MAX_LEN, KernelCases.WIDTH, elemBytes, pad, stream.handle());
                assertThat(download(dPadded, arena).mismatch(expected)).as("pack, %d-byte elements", elemBytes).isEqualTo(-1);
                DeviceBuffer dBack = device.allocate(src.byteSize(), MemoryUse.STAGING);
                kernels.unpackPadded(dBack.segment(), dPadded.segment(), dOffsets.segment(), dLengths.segment(), KernelCases.ROWS,
                        KernelCases.MAX_LEN, KernelCases.WIDTH, elemBytes, stream.handle());
                assertThat(download(dBack, arena).mismatch(src)).as("unpack, %d-byte elements", elemBytes).isEqualTo(-1);
                for (DeviceBuffer b : new DeviceBuffer[] {dSrc, dOffsets, dLengths, dPadded, dBack}) {
                    b.release();
                }
            }
        }
    }

    @Test
    void castsMatchTheReference() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment floats = KernelCases.hardFloats(arena);
            long n = KernelCases.CAST_VALUES;
            DeviceBuffer dFloats = upload(floats);
            DeviceBuffer dHalves = device.allocate(n * 2, MemoryUse.STAGING);
            DeviceBuffer dBack = device.allocate(n * 4, MemoryUse.STAGING);

            MemorySegment expectedHalves = arena.allocate(n * 2, 16);
            CpuKernels.castF32ToF16(expectedHalves, floats, n);
            kernels.castF32ToF16(dHalves.segment(), dFloats.segment(), n, stream.handle());
            MemorySegment halves = download(dHalves, arena);
            HostKernelLibraryTest.assertSameHalves(halves, expectedHalves, floats, n);
            MemorySegment expectedFloats = arena.allocate(n * 4, 16);
            CpuKernels.castF16ToF32(expectedFloats, halves, n);
            kernels.castF16ToF32(dBack.segment(), dHalves.segment(), n, stream.handle());
            HostKernelLibraryTest.assertSameFloats(download(dBack, arena), expectedFloats, n);

            MemorySegment expectedBf16 = arena.allocate(n * 2, 16);
            CpuKernels.castF32ToBf16(expectedBf16, floats, n);
            kernels.castF32ToBf16(dHalves.segment(), dFloats.segment(), n, stream.handle());
            assertThat(download(dHalves, arena).mismatch(expectedBf16)).isEqualTo(-1);
            CpuKernels.castBf16ToF32(expectedFloats, expectedBf16, n);
            kernels.castBf16ToF32(dBack.segment(), dHalves.segment(), n, stream.handle());
            assertThat(download(dBack, arena).mismatch(expectedFloats)).isEqualTo(-1);
            dFloats.release();
            dHalves.release();
            dBack.release();
        }
    }

    @Test
    void gatherMatchesTheReference() {
        for (long rowBytes : new long[] {64, 13}) {
            try (Arena arena = Arena.ofConfined()) {
                long slotCount = 7;
                MemorySegment pool = KernelCases.bytes(arena, slotCount * rowBytes, rowBytes);
                MemorySegment expected = arena.allocate(KernelCases.ROWS * rowBytes, 16);
                CpuKernels.gatherRows(expected, pool, cases.slots, slotCount, rowBytes);
                DeviceBuffer dPool = upload(pool);
                DeviceBuffer dSlots = upload(arena.allocateFrom(ValueLayout.JAVA_LONG, cases.slots));
                DeviceBuffer dOut = device.allocate(KernelCases.ROWS * rowBytes, MemoryUse.LORA_SLOTS);
                kernels.gatherRows(dOut.segment(), dPool.segment(), dSlots.segment(), KernelCases.ROWS, slotCount, rowBytes, stream.handle());
                assertThat(download(dOut, arena).mismatch(expected)).as("rows of %d bytes", rowBytes).isEqualTo(-1);
                dPool.release();
                dSlots.release();
                dOut.release();
            }
        }
    }

    private DeviceBuffer upload(MemorySegment host) {
        DeviceBuffer staging = device.pinned().allocate(host.byteSize(), MemoryUse.STAGING);
        staging.segment().copyFrom(host);
        DeviceBuffer buffer = device.allocate(host.byteSize(), MemoryUse.STAGING);
        stream.copyToDevice(buffer, 0, staging.segment(), host.byteSize());
        stream.synchronize();
        staging.release();
        return buffer;
    }

    private MemorySegment download(DeviceBuffer buffer, Arena arena) {
        DeviceBuffer staging = device.pinned().allocate(buffer.byteSize(), MemoryUse.OUTPUT);
        stream.copyToHost(staging.segment(), buffer, 0, buffer.byteSize());
        stream.synchronize();
        MemorySegment copy = arena.allocate(buffer.byteSize(), 16);
        copy.copyFrom(staging.segment());
        staging.release();
        return copy;
    }
}
