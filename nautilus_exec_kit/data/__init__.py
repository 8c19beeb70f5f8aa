"""Market data for backtests: Binance Vision files, exchangeInfo instruments, the Parquet catalog.

One concept per module (no imports here, so ``exec-kit --help`` stays fast)::

    layout         the Binance Vision layout: kinds, columns, file names, folders
    reader         one file (zipped or plain, header or not) into a checked table
    epochs         ms / us / ns timestamps told apart by magnitude, one unit per file
    klines         klines -> Bar, markPriceKlines -> MarkPriceUpdate
    funding        fundingRate -> FundingRateUpdate
    trades         aggTrades -> TradeTick
    quotes         bookTicker -> QuoteTick
    exchange_info  instruments from a saved /fapi/v1/exchangeInfo, via the adapter's provider
    catalog        the ParquetDataCatalog: instruments, series, idempotent writes
    importer       files -> catalog (``exec-kit data import``)
    catalog_feed   a catalog selection streamed into a backtest window by window
    synthetic      Binance Vision files of a synthetic market (tests, benchmarks)
    errors         DataFileError: ``file:line: problem``
"""
