import sys

if sys.argv[1:2] == ["mail"]:
    from chalicelib.local.mailbox import main as post_letter

    sys.exit(post_letter(sys.argv[2:]))

if sys.argv[1:2] == ["rebuild"]:
    from chalicelib.local.rebuild import main as rebuild

    sys.exit(rebuild(sys.argv[2:]))

from chalicelib.local.stack import main

sys.exit(main())
