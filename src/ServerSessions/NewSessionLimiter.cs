using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ServerSessions;

/// <summary>
/// <see cref="NewSessionLimitOptions"/> at work: a token bucket per client address (the framework's partitioned rate
/// limiter), asked only when a request is about to store a session it did not come with. One per app, owned and disposed
/// by the container; with <see cref="NewSessionLimitOptions.PermitsPerMinute"/> 0 it admits everything and holds nothing.
/// </summary>
/// <remarks>
/// The address is <see cref="ConnectionInfo.RemoteIpAddress"/>, which is the client's once the app trusts its proxy
/// (<c>UseForwardedHeaders</c>), else the proxy's. IPv6 addresses count by their /64, which one host can fill with
/// addresses of its own; a request with no address (an in-process test server, a Unix socket) shares one bucket.
/// </remarks>
internal sealed class NewSessionLimiter : IDisposable
{
    private static readonly UInt128 NoAddress = UInt128.MaxValue;

    private readonly PartitionedRateLimiter<HttpContext>? _limiter;
    private readonly ILogger _logger;
    private readonly SessionMetrics _metrics;
    private readonly LogBudget _log;
    private long _refused;

    public NewSessionLimiter(NewSessionLimitOptions options, TimeProvider time, ILogger logger, SessionMetrics metrics)
    {
        _logger = logger;
        _metrics = metrics;
        _log = new LogBudget(time);
        if (options.PermitsPerMinute == 0)
        {
            return;
        }

        // One token per period at the configured rate: the bucket refills continuously, and a refusal's RetryAfter is the
        // time one token takes.
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / options.PermitsPerMinute,
            QueueLimit = 0,
        };
        _limiter = PartitionedRateLimiter.Create<HttpContext, UInt128>(context =>
            RateLimitPartition.GetTokenBucketLimiter(PartitionOf(context.Connection.RemoteIpAddress), _ => bucket));
    }

    /// <summary>How many new sessions were refused since the app started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Takes a permit for a new session, or throws <see cref="NewSessionLimitedException"/> when there is none.</summary>
    public void Admit(HttpContext context)
    {
        if (_limiter is null)
        {
            return;
        }

        using var lease = _limiter.AttemptAcquire(context);
        if (lease.IsAcquired)
        {
            return;
        }

        Interlocked.Increment(ref _refused);
        throw new NewSessionLimitedException(lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Counts a refusal (<c>server_sessions.requests.refused</c>, with the 429 it is answered with, or the status of the
    /// response that went out without its session) and logs it at Information, within a <see cref="LogBudget"/>: a flood
    /// of refusals does not flood the log.
    /// </summary>
    public void LogRefused(HttpContext context, NewSessionLimitedException refusal, bool atResponseStart)
    {
        _metrics.Refuse(refusal, atResponseStart ? context.Response.StatusCode : StatusCodes.Status429TooManyRequests);
        if (!_log.TryTake(out var skipped))
        {
            return;
        }

        if (skipped > 0)
        {
            _logger.NewSessionsRefusedNotLogged(skipped, LogBudget.LinesPerSecond, Refused);
        }

        if (atResponseStart)
        {
            _logger.NewSessionRefusedAtResponseStart(context.Connection.RemoteIpAddress);
        }
        else
        {
            _logger.NewSessionRefused(context.Connection.RemoteIpAddress, RetryAfterSeconds(refusal));
        }
    }

    /// <summary>The whole seconds to ask the client to wait: the limiter's estimate, rounded up, at least 1.</summary>
    public static int RetryAfterSeconds(NewSessionLimitedException refusal) =>
        (int)Math.Clamp(Math.Ceiling(refusal.RetryAfter.TotalSeconds), 1, int.MaxValue);

    public void Dispose() => _limiter?.Dispose();

    // IPv4 addresses (also as IPv4-mapped IPv6) keep all 32 bits, in the low bits behind ::ffff:, as IPv6 writes them; IPv6
    // addresses keep their first 64 bits, in the high bits, so neither can meet the other or NoAddress.
    internal static UInt128 PartitionOf(IPAddress? address)
    {
        if (address is null)
        {
            return NoAddress;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return NoAddress;
        }

        return address.AddressFamily == AddressFamily.InterNetwork && written == 4
            ? ((UInt128)0xFFFF << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : (UInt128)BinaryPrimitives.ReadUInt64BigEndian(bytes) << 64;
    }
}
