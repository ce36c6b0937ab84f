namespace ServerSessions.Sqlite;


/// <summary>What a <see cref="WriteOperation"/> does.</summary>
internal enum WriteKind
{
    Set,
    Touch,
    Destroy,
    Sweep,
    Index,
    Unindex,
    SweepIndex,

    /// <summary>The health check's write (<see cref="WriteProbe"/>).</summary>
    Probe,
}
