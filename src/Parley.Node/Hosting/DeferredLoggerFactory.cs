namespace Parley.Node.Hosting;

/// <summary>
/// Loggers for what a node opens before its host is built (the PostgreSQL store, the Redis
/// connections): they write through the host's own logging once <see cref="Attach"/> has been
/// called, so they follow the <c>Logging</c> configuration and providers as every other log does.
/// Anything logged before that is dropped; a failure to open at start is thrown, not logged.
/// </summary>
internal sealed class DeferredLoggerFactory : ILoggerFactory
{
    private ILoggerFactory? _target;

    public void Attach(ILoggerFactory target) => Volatile.Write(ref _target, target);

    public ILogger CreateLogger(string categoryName) => new DeferredLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("Providers belong to the host's logging.");

    public void Dispose()
    {
    }

    private sealed class DeferredLogger(DeferredLoggerFactory factory, string category) : ILogger
    {
        private ILogger? _inner;

        private ILogger? Inner
        {
            get
            {
                if (_inner is null && Volatile.Read(ref factory._target) is { } target)
                {
                    _inner = target.CreateLogger(category);
                }

                return _inner;
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => Inner?.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => Inner?.IsEnabled(logLevel) ?? false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Inner?.Log(logLevel, eventId, state, exception, formatter);
    }
}
