## Data path of libsceau: the device's block cache (pack files + SQLite
## index) and the encryption pipeline (worker threads).
libsceau_a_SOURCES += \
	src/blockcache.h src/blockcache.c src/blockframe.h src/blockframe.c \
	src/pipeline.h src/pipeline.c
