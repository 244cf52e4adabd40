package io.statim.runtime.cuda.tensorrt;

import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TensorRT's log, into SLF4J ({@code io.statim.runtime.cuda.tensorrt.TrtLogger}): errors and warnings as
 * such, TensorRT's info at DEBUG (it is chatty while building), verbose at TRACE. The last message is
 * kept for progress reports and error messages. One instance per process, never freed: TensorRT keeps
 * the pointer in every builder, runtime and parser. TensorRT calls it from any thread.
 */
final class TrtLogger extends ILogger {
    private static final Logger LOG = LoggerFactory.getLogger(TrtLogger.class);
    private static volatile TrtLogger instance;
    private volatile String last = "";

    private TrtLogger() {
    }

    /** The process's logger; creates it on first use (after {@link TensorRt#require()}). */
    static TrtLogger get() {
        TrtLogger logger = instance;
        if (logger == null) {
            synchronized (TrtLogger.class) {
                logger = instance;
                if (logger == null) {
                    logger = new TrtLogger();
                    instance = logger;
                }
            }
        }
        return logger;
    }

    /** The last message TensorRT logged at INFO or above. */
    String last() {
        return last;
    }

    @Override
    public void log(Severity severity, String message) {
        switch (severity.intern()) {
            case kINTERNAL_ERROR, kERROR -> {
                last = message;
                LOG.error("TensorRT: {}", message);
            }
            case kWARNING -> {
                last = message;
                LOG.warn("TensorRT: {}", message);
            }
            case kINFO -> {
                last = message;
                LOG.debug("TensorRT: {}", message);
            }
            default -> LOG.trace("TensorRT: {}", message);
        }
    }
}
